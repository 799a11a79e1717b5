"""Writing CFONB 120 records: for the demo statement, the tests and the benchmarks."""

POSITIVE = "{ABCDEFGHI"  # last digit of a CFONB amount, with its sign


def cfonb_amount(cents: int) -> str:
    digits = f"{cents:014d}"
    return digits[:-1] + POSITIVE[int(digits[-1])]


def cfonb_record(fields: dict[int, str]) -> str:
    """A 120-character CFONB record from {1-based start position: text}."""
    chars = [" "] * 120
    for start, text in fields.items():
        chars[start - 1 : start - 1 + len(text)] = text
    return "".join(chars)
