from setuptools import find_packages, setup

setup(
    name="messenger",
    version="0.1.0",
    description="Messenger server for booking and CRM platforms",
    python_requires=">=3.11",
    packages=find_packages(include=["domain", "domain.*", "projections", "projections.*",
                                    "messenger", "messenger.*"]),
    py_modules=["run"],
    # The browser console and the protocol description travel with the code.
    package_data={"messenger.http": ["console/*"], "messenger.wire": ["protocol.schema.json"]},
    install_requires=[
        "eventsourcing[postgres]==9.5.6",
        "tornado>=6.4",
        "psycopg[binary]>=3.2",
        "PyJWT>=2.9",
        "pyTelegramBotAPI>=4.20",
        "aioapns>=3.2",
        "pyfcm>=2.0",
        "Pillow>=10",
        "pillow-heif>=0.18",  # HEIC thumbnails; HEIC is still accepted without it
        "prometheus-client>=0.20",
        "orjson>=3.9",  # frames encoded and decoded in C: a fifth of the IOLoop's time was JSON
        "uvloop>=0.19",  # the event loop in C: Tornado runs on it unchanged
        "regex>=2023.8",  # Unicode's emoji properties and grapheme clusters, for reactions
        "snowballstemmer>=2.2",  # search: the stems PostgreSQL's `russian` configuration makes
    ],
    extras_require={
        # h2 and cryptography serve the APNs and FCM stand-ins the tests run.
        "test": ["pytest>=8", "pytest-tornado>=0.8", "h2>=4", "cryptography>=42",
                 "jsonschema>=4.18", "hypothesis>=6.100",
                 # eventsourcing's shipped recorder test cases import its cipher
                 "pycryptodome>=3.22,<4",
                 "playwright>=1.40"],  # drives Debian's chromium (.ci/run installs it)
    },
)
