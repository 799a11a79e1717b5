"""The JSON schema of each answer of the law endpoints: what lawdesk.law_json returns, as
`recouvra law` prints it (dates ISO, rates as decimal strings, amounts as
{"cents": 12345, "display": "123,45 €"})."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
BOOLEAN: Schema = {"type": "boolean"}
DATE: Schema = {"type": "string", "format": "date"}
DECIMAL: Schema = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "description": "%"}


def obj(optional: tuple[str, ...] = (), **properties: Schema) -> Schema:
    """An object with exactly these members, all present but `optional`."""
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


def nullable(schema: Schema) -> Schema:
    return {**schema, "nullable": True}


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


MONEY = obj(cents=INTEGER, display=STRING)

PERIOD = obj(
    start=DATE,
    end=DATE,
    days=INTEGER,
    basis=INTEGER,
    rate=DECIMAL,
    amount=MONEY,
    label=STRING,
    verified=BOOLEAN,
)

INTEREST_RESULT = {
    "principal": MONEY,
    "start": DATE,
    "first_day": DATE,
    "until": DATE,
    "day_count": STRING,
    "days": INTEGER,
    "total": MONEY,
    "verified": BOOLEAN,
    "periods": array(PERIOD),
}

FLOOR = {
    "amount": MONEY,
    "effective_on": DATE,
    "verified": BOOLEAN,
    "source": STRING,
    "notes": STRING,
}

MISSING_RATE = obj(what=STRING, on=STRING, reason=STRING, message_fr=STRING)

STATEMENT_LINE = obj(
    ref=STRING,
    issue_date=nullable(DATE),
    due_date=DATE,
    debtor_is_professional=BOOLEAN,
    creditor_is_consumer=BOOLEAN,
    contractual_rate=nullable(DECIMAL),
    currency=STRING,
    basis=STRING,
    interest_until=nullable(DATE),
    interest_periods=array(
        {
            **PERIOD,
            "properties": {**PERIOD["properties"], "refused_rate": nullable(DECIMAL)},
            "required": [*PERIOD["required"], "refused_rate"],
        }
    ),
    principal=MONEY,
    interest=MONEY,
    fees=MONEY,
    payments=array(
        obj(
            payment=STRING,
            received_on=DATE,
            fees=MONEY,
            interest=MONEY,
            principal=MONEY,
            total=MONEY,
        )
    ),
    principal_due=MONEY,
    interest_due=MONEY,
    fees_due=MONEY,
    balance=MONEY,
    verified=BOOLEAN,
    missing_rate=nullable(MISSING_RATE),
    floor_spans=array(obj(start=DATE, end=DATE, floor=DECIMAL, refused_rate=DECIMAL)),
    floor_mention_fr=STRING,
)

ANSWERS: dict[str, Schema] = {
    "interest": obj(
        kind=STRING, article=STRING, contractual_rate=nullable(DECIMAL), **INTEREST_RESULT
    ),
    "legal-interest": obj(
        kind=STRING,
        article=STRING,
        creditor_is_consumer=BOOLEAN,
        judgment_enforceable_on=nullable(DATE),
        **INTEREST_RESULT,
    ),
    "fees": obj(
        ("reason_fr",),
        invoices=INTEGER,
        debtor_is_professional=BOOLEAN,
        debtor_in_insolvency=BOOLEAN,
        per_invoice=MONEY,
        fees=MONEY,
        article=STRING,
        reason_fr=STRING,
    ),
    "deadline": obj(
        start=DATE,
        days=INTEGER,
        months=INTEGER,
        years=INTEGER,
        alsace_moselle=BOOLEAN,
        raw_end=DATE,
        raw_end_weekday=STRING,
        raw_end_holiday=nullable(STRING),
        ends_on=DATE,
        ends_on_weekday=STRING,
        extended=BOOLEAN,
        article=STRING,
    ),
    "limitation": obj(
        start=DATE,
        kind=STRING,
        article=STRING,
        years=INTEGER,
        ends_on=DATE,
        restarted_by=nullable(obj(on=DATE, kind=STRING, article=STRING)),
        ends_on_non_working_day=BOOLEAN,
        long_stop_applied=BOOLEAN,
    ),
    "seizable-wage": obj(
        monthly_net=MONEY,
        year=INTEGER,
        dependants=INTEGER,
        on=nullable(DATE),
        seizable=MONEY,
        left_to_debtor=MONEY,
        rsa_floor=obj(**FLOOR),
        verified=BOOLEAN,
        article=STRING,
    ),
    "bank-floor": obj(on=DATE, **FLOOR, article=STRING),
    "procedure": obj(
        amount=MONEY,
        interest=MONEY,
        debtor_is_professional=BOOLEAN,
        creditor_is_professional=BOOLEAN,
        disputed=BOOLEAN,
        debtor_abroad=BOOLEAN,
        recommendations=array(
            obj(
                procedure=STRING,
                label=STRING,
                suitable=BOOLEAN,
                reasons=array(STRING),
                court=STRING,
                lawyer_mandatory=BOOLEAN,
                prior_amicable_attempt_required=BOOLEAN,
                articles=array(STRING),
            )
        ),
    ),
    "allocate": obj(
        amount=MONEY,
        paid_on=nullable(DATE),
        designated=nullable(STRING),
        order=array(STRING),
        allocations=array(
            obj(debt=STRING, fees=MONEY, interest=MONEY, principal=MONEY, total=MONEY)
        ),
        credit=MONEY,
        article=STRING,
    ),
    "statement": obj(
        as_of=DATE,
        day_count=STRING,
        allocation_order=array(STRING),
        allocation_order_fr=STRING,
        claims=array(STATEMENT_LINE),
        principal=MONEY,
        interest=MONEY,
        fees=MONEY,
        paid=MONEY,
        credit=MONEY,
        balance=MONEY,
        verified=BOOLEAN,
        missing_rates=array(MISSING_RATE),
        below_floor=array(STRING),
    ),
}
