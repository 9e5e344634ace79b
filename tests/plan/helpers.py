"""Shared by the plan and docgen tests: the examples (checked once per session) and in-test mappings."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from migc.plan import build_plan
from migc.plan.model import LoadPlan
from migc.plan.sizing import Sizing, load_sizing
from migc.semantics.check import Analysis, check_file

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_NAMES = tuple(path.stem for path in sorted((ROOT / "examples").glob("*.mig")))


@lru_cache(maxsize=None)
def example(name: str) -> Analysis:
    """An example checked with the display name the refresh uses (no machine path in any output)."""
    return check_file(ROOT / "examples" / f"{name}.mig", display_name=f"examples/{name}.mig")


def example_sizing(name: str) -> Sizing:
    counts = ROOT / "docs" / "examples" / name / "counts.toml"
    return load_sizing(counts) if counts.exists() else Sizing()


@lru_cache(maxsize=None)
def example_plan(name: str) -> LoadPlan:
    return build_plan(example(name), sizing=example_sizing(name))


def check_text(directory: Path, text: str, name: str = "case.mig") -> Analysis:
    """Checks an in-test mapping written to `directory`, shown under its bare name."""
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return check_file(path, display_name=name)


# A self-reference (Manager_Lookup__c), a merge written before the map that creates its records,
# and a ref from an object written before the one it needs: the plan must reorder all three.
ORDERING = """\
import eu_countries from "std/regions.mig"

migration ordering {
  from actimo
  to zoho_crm
  consent gdpr for User when addr_country in eu_countries
}

create field Contacts.Source_Actimo_ID__c: string(255) unique label "Actimo ID"
create field Contacts.Manager_Lookup__c: lookup(Contacts) label "Manager"
create field Contacts.Message_Count__c: integer(9) label "Messages"

map Task -> Tasks {
  Subject <- subject | truncate(255)
  Who_Id <- ref Contacts by Source_Actimo_ID__c = assignee_id else null
}

map MessageAnalytics summarize by contact_id -> Contacts merge {
  key Source_Actimo_ID__c <- first(contact_id)
  Message_Count__c <- count()
}

map User -> Contacts {
  key Source_Actimo_ID__c <- id
  Last_Name <- (last_name ?? "Unknown") | truncate(80)  lossy "placeholder surname"
  Manager_Lookup__c <- ref Contacts by Source_Actimo_ID__c = manager_id else null
}
"""

# Accounts and Contacts look each other up: MIG0601, and the plan must still terminate.
CYCLE = """\
import eu_countries from "std/regions.mig"

migration cyclic {
  from netmera
  to zoho_crm
  consent gdpr for User when country in eu_countries
}

create field Accounts.Primary_Contact__c: lookup(Contacts) label "Primary contact"

map User -> Accounts {
  key Account_Name <- (company ?? "Unknown") | truncate(200)
  Primary_Contact__c <- ref Contacts by Email = email else null
}

map User -> Contacts {
  key Email <- email
  Last_Name <- (surname ?? "Unknown") | truncate(80)  lossy "placeholder surname"
  Account_Name <- ref Accounts by Account_Name = company else null
}
"""

# Routing (where ... otherwise), a filter without otherwise, distinct companies, and quarantine.
ROUTING = """\
import eu_countries from "std/regions.mig"

migration routing {
  from netmera
  to zoho_crm
  consent gdpr for User when country in eu_countries
}

create field Contacts.Netmera_Id__c: string(64) unique label "Netmera ID"

map User distinct by lower(trim(company)) -> Accounts where company != null {
  key Account_Name <- trim(company) | truncate(200)
}

map User -> Contacts {
  key Netmera_Id__c <- extId
  Last_Name <- (surname ?? "Unknown") | truncate(80)  lossy "placeholder surname"
  flag "no email: set aside" when email == null -> quarantine
  flag "no phone" when msisdn == null -> report
}

map Event -> Tasks where name == "purchase" {
  Subject <- "Netmera: " + name | truncate(255)
  Who_Id <- ref Contacts by Netmera_Id__c = extId else quarantine
}

map Event -> Notes otherwise {
  Parent_Id <- ref Contacts by Netmera_Id__c = extId else quarantine
  Note_Content <- json(attributes)
}
"""

# The cycle of CYCLE broken by a merge: Accounts load first, Contacts look them up, and a merge
# sets each Account's primary Contact once every Contact exists.
CYCLE_BROKEN_BY_MERGE = """\
import eu_countries from "std/regions.mig"

migration broken_cycle {
  from netmera
  to zoho_crm
  consent gdpr for User when country in eu_countries
}

create field Accounts.Primary_Contact__c: lookup(Contacts) label "Primary contact"

map User distinct by company -> Accounts where company != null {
  key Account_Name <- company | truncate(200)
}

map User -> Contacts {
  key Email <- email
  Last_Name <- (surname ?? "Unknown") | truncate(80)  lossy "placeholder surname"
  Account_Name <- ref Accounts by Account_Name = company else null
}

map User distinct by company -> Accounts merge where company != null {
  key Account_Name <- company | truncate(200)
  Primary_Contact__c <- ref Contacts by Email = email else null
}
"""
