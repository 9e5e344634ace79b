"""Transform throughput: the generated code of `examples/netmera_to_zoho.mig`'s User -> Contacts
map against a hand-written Python function doing the same mapping, on the same synthetic
records in the same run (goal: at least 0.67x the hand-written records/s).

Run: python benchmarks/bench_transform.py [--records N]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from migc import api
from migc.compiler.codegen import compile_program
from migc.compiler.lower import lower
from migc.runtime.builtins import BUILTINS, BuiltinError
from migc.sandbox import synth

ROOT = Path(__file__).resolve().parent.parent
B = BUILTINS


def hand_written(r: dict) -> dict:
    """What a careful engineer would write by hand for the same map (same builtins)."""
    tags = r.get("tags")
    segments = r.get("segments")
    tag_list = [t for t in (B["normalize_tag"](x) for x in tags) if t is not None] if tags is not None else None
    segment_list = [t for t in (B["normalize_tag"](x) for x in segments) if t is not None] if segments is not None else None
    surname = r.get("surname")
    name = r.get("name")
    company = r.get("company")
    prefs = r.get("categoryPreferences")
    return {
        "Netmera_Id__c": r.get("extId"),
        "Email": B["normalize_email"](r.get("email")),
        "First_Name": B["truncate"](name, 40),
        "Last_Name": B["truncate"](surname if surname is not None else (name if name is not None else "Unknown"), 80),
        "Mobile": B["e164"](r.get("msisdn"), "TR"),
        "Mailing_Country": r.get("country"),
        "Mailing_State": r.get("state"),
        "Mailing_City": r.get("city"),
        "Date_of_Birth": r.get("dateOfBirth"),
        "Account_Name": B["truncate"](B["trim"](company), 200),
        "Gender__c": B["truncate"](r.get("gender"), 40),
        "Marital_Status__c": B["truncate"](r.get("maritalStatus"), 40),
        "Number_Of_Children__c": r.get("numberOfChildren"),
        "Occupation__c": B["truncate"](r.get("occupation"), 120),
        "Industry__c": B["truncate"](r.get("industry"), 120),
        "Favourite_Team__c": B["truncate"](r.get("favouriteTeam"), 120),
        "Language__c": B["truncate"](r.get("language"), 40),
        "Push_Subscribed__c": r.get("isSubscribed"),
        "Category_Preferences__c": B["truncate"](B["json"](prefs), 2000),
        "Tag": (tag_list or []) + (segment_list or []) if (tag_list is not None or segment_list is not None) else None,
        "Tagless_Capture__c": tags is None,
    }


def rate(function, records: list[dict]) -> float:
    start = time.perf_counter()
    for record in records:
        try:
            function(record)
        except BuiltinError:
            pass  # both sides meet the same bad records
    return len(records) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    args = parser.parse_args()
    program = compile_program(lower(api.check(ROOT / "examples" / "netmera_to_zoho.mig")))
    transform = program.maps["User->Contacts"].transform
    records = list(synth.generate("netmera", "User", args.records, seed=7))
    rate(transform, records[:500]), rate(hand_written, records[:500])  # warm caches
    rounds = [(rate(transform, records), rate(hand_written, records)) for _ in range(3)]
    generated = max(r[0] for r in rounds)
    manual = max(r[1] for r in rounds)
    print(f"generated .mig transform : {generated:,.0f} records/s")
    print(f"hand-written Python      : {manual:,.0f} records/s")
    print(f"ratio                    : {generated / manual:.2f}x (goal >= 0.67x)")


if __name__ == "__main__":
    main()
