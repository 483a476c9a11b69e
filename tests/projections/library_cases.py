"""eventsourcing's reusable test cases, by module: imported by name into a
test module, pytest would also run the abstract cases themselves."""

import pytest

# They import the library's AES cipher, which needs pycryptodome (its
# "crypto" extra), not among setup.py's test requirements yet.
pytest.importorskip("Crypto", reason="pycryptodome is not installed: eventsourcing's test "
                    "cases import it (pip install 'eventsourcing[crypto]==9.5.6')")

from eventsourcing.tests import persistence  # noqa: E402

__all__ = ["persistence"]
