"""The Multipass networking lab: namespaces, real DHCP/DNS/NAT, real faults,
and a `multipass` stand-in (lab/bin/multipass). See lab/README.md."""
from .api import Lab, instance_names
from .faults import FAULTS
from .netns import LabError
from .state import InstanceState, LabState

__all__ = ["Lab", "LabState", "InstanceState", "LabError", "FAULTS", "instance_names"]
