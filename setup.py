from setuptools import find_packages, setup

setup(
    name="messenger",
    version="0.1.0",
    description="Messenger server for booking and CRM platforms",
    python_requires=">=3.11",
    packages=find_packages(include=["domain", "domain.*", "projections", "projections.*",
                                    "messenger", "messenger.*"]),
    py_modules=["run"],
    install_requires=[
        "eventsourcing[postgres]==9.5.6",
        "tornado>=6.4",
        "psycopg[binary]>=3.2",
        "PyJWT>=2.9",
        "pyTelegramBotAPI>=4.20",
    ],
    extras_require={
        "test": ["pytest>=8", "pytest-tornado>=0.8"],
    },
)
