"""The mailto: address behind "Open in my mail program" (ui/mail.py): every character of the address,
subject and text survives the trip to the mail program."""

from urllib.parse import parse_qs, urlsplit

from ui.mail import mailto


def test_the_address_subject_and_text_arrive_as_written():
    body = "Dear Ana,\n\nThank you & see you soon? 100% yes = great #1"
    href = mailto("ana.lee+work@example.org", "Thank you for your time", body)
    parts = urlsplit(href)
    assert parts.scheme == "mailto" and "+" not in parts.query  # a '+' would read as a space in some programs
    query = parse_qs(parts.query)
    assert query == {"subject": ["Thank you for your time"], "body": [body]}
    assert parts.path == "ana.lee%2Bwork%40example.org"
