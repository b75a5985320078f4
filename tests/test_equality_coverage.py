"""Every public lessonpkg component is either cross-checked with torch (and recorded) or listed, with a reason,
in tests/no_torch_counterpart.py. conftest.py runs this file last, after every cross-check has recorded."""

import json

import equality_log
import pytest
from no_torch_counterpart import NO_TORCH_COUNTERPART


def covered_by_exemption(name: str) -> bool:
    return equality_log.is_covered(name, NO_TORCH_COUNTERPART)


def recorded_components() -> set[str]:
    """The components recorded by this session if it ran every cross-check, else by the last complete run."""
    if equality_log.SESSION.get("complete"):
        return {r["component"] for r in equality_log.RECORDS}
    path = equality_log.OUTPUT
    if path.exists():
        report = json.loads(path.read_text())
        if report["sources_digest"] == equality_log.sources_digest():
            return set(report["components"])
    pytest.skip("needs the whole unit suite (`make unit`), or an equality.json from a complete run of these sources")


def test_every_exemption_names_a_public_component_with_a_reason():
    components = equality_log.public_components()
    for name, (why, how) in NO_TORCH_COUNTERPART.items():
        assert any(equality_log.is_covered(c, [name]) for c in components), (
            f"{name!r} is exempt but is neither a public component nor a namespace of some")
        assert why.strip() and how.strip(), f"{name!r}: give the reason and the tests that check it"


def test_every_public_component_is_compared_with_torch_or_exempt():
    components = equality_log.public_components()
    recorded = recorded_components()
    unknown = sorted(recorded - set(components))
    assert not unknown, (f"record() names that are not public lessonpkg components: {unknown}; name a component "
                         f"as a learner reaches it, e.g. 'LSTM', 'nn.LSTM' or 'nn.init.orthogonal'")
    both = sorted(n for n in recorded if n in NO_TORCH_COUNTERPART)
    assert not both, f"compared with torch, so remove from no_torch_counterpart.py: {both}"
    missing = sorted(n for n in components if n not in recorded and not covered_by_exemption(n))
    assert not missing, (
        f"public components neither compared with torch (call equality_log.record in their cross-check) "
        f"nor listed in tests/no_torch_counterpart.py: {missing}")
