"""Costs as multiples of one signature verify measured in the same run, so a goal holds on any host.

A host twice as slow makes the verify and the code around it twice as slow alike: a cost over
the verify's cost moves far less from host to host than either figure alone (instructions or µs).
"""


def multiple_of_verify(cost: float, verify: float) -> float:
    """`cost` (what a first-seen token adds to a request) in units of one raw verify of the same key."""
    if verify <= 0:
        raise ValueError(f"a verify costs more than nothing, not {verify}")
    return cost / verify


def overhead_beyond_verify(total: float, verify: float) -> float:
    """What a check costs beyond the verify it includes (`total` - `verify`), in units of that verify."""
    return multiple_of_verify(total - verify, verify)
