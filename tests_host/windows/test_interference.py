"""Anti-virus and network security software that is not virtualization-aware (the guide's list:
Symantec, ESET, Kaspersky, Malwarebytes): warned, never failed."""

import pytest

from mpdiag.host.rules.windows import non_defender_antivirus
from mpdiag.parse.unavailable import Absent


@pytest.mark.check("windows.interference.antivirus")
def test_no_third_party_antivirus(check):
    products = check.probe("antivirus")
    if isinstance(products, Absent):
        check.skip("root/SecurityCenter2 does not exist on this Windows (Windows Server has no Security "
                   "Center): installed anti-virus cannot be listed")
    products = non_defender_antivirus(products)
    if products:
        check.warn(f"anti-virus other than Microsoft Defender is registered: {', '.join(products)}",
                   products=", ".join(products))
