"""The campaign widgets that turn user text into markup: highlighting and the referral map's DOT stay safe."""

from core.campaign.draft_checker import check_draft, highlight_segments
from ui.campaign import highlighted, referral_dot


def test_highlighting_escapes_the_students_text():
    text = "Are you hiring? <b>x</b> [link](http://evil.example)\nAny *openings*?"
    out = highlighted(text, highlight_segments(text, check_draft(text).spans))
    # Bold as well as red: the colour is not the only mark.
    assert ":red-background[**hiring**]" in out and ":red-background[**openings**]" in out
    assert "<b>" not in out and "\\<b\\>" in out
    assert "[link](" not in out and "\\[link\\]\\(http\\:" in out
    assert "\\*" in out  # the student's asterisks stay literal


def test_referral_map_quotes_names_and_marks_names_not_to_use():
    nodes = [{"id": 1, "first_name": 'Ana "The"', "last_name": "Lee\\", "organization": "A; B -> C",
              "stage": "reflect"},
             {"id": 2, "first_name": "Noor", "last_name": "Singh", "organization": "", "stage": "target"}]
    dot = referral_dot(nodes, [{"from_id": 1, "to_id": 2, "may_use_referrer_name": False}])
    assert 'c1 [label="Ana \\"The\\" Lee\\\\\\nA; B -> C\\n(Reflected)", fillcolor="#86efac"];' in dot
    assert 'c2 [label="Noor Singh\\n(Target)", fillcolor="#e5e7eb"];' in dot
    assert 'c1 -> c2 [style=dashed, tooltip="may not use the name"];' in dot
