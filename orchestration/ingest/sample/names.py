"""Name pools for people and companies, and helpers that draw from them column-wise.

Korean people get Hangul names, so the files carry non-ASCII UTF-8, and a romanised
e-mail address. All e-mail domains are reserved example domains (RFC 2606).
"""

from __future__ import annotations

import numpy as np

# (Hangul, romanisation) pairs.
KOREAN_SURNAMES: tuple[tuple[str, str], ...] = (
    ("김", "kim"), ("이", "lee"), ("박", "park"), ("최", "choi"), ("정", "jung"),
    ("강", "kang"), ("조", "cho"), ("윤", "yoon"), ("장", "jang"), ("임", "lim"),
    ("한", "han"), ("오", "oh"), ("서", "seo"), ("신", "shin"), ("권", "kwon"),
    ("황", "hwang"), ("안", "ahn"), ("송", "song"), ("류", "ryu"), ("홍", "hong"),
)  # fmt: skip
KOREAN_GIVEN_NAMES: tuple[tuple[str, str], ...] = (
    ("민준", "minjun"), ("서준", "seojun"), ("도윤", "doyun"), ("예준", "yejun"),
    ("시우", "siwoo"), ("하준", "hajun"), ("지호", "jiho"), ("준서", "junseo"),
    ("서연", "seoyeon"), ("서윤", "seoyun"), ("지우", "jiwoo"), ("서현", "seohyun"),
    ("민서", "minseo"), ("하은", "haeun"), ("하윤", "hayun"), ("윤서", "yunseo"),
    ("지민", "jimin"), ("수빈", "subin"), ("예린", "yerin"), ("현우", "hyunwoo"),
    ("지훈", "jihoon"), ("은지", "eunji"), ("동현", "donghyun"), ("유진", "yujin"),
)  # fmt: skip
ENGLISH_GIVEN_NAMES: tuple[str, ...] = (
    "James", "Olivia", "Michael", "Emma", "David", "Sophia", "Daniel", "Ava", "Ryan",
    "Mia", "Kevin", "Grace", "Jason", "Chloe", "Brian", "Hannah", "Eric", "Natalie",
    "Andrew", "Lauren", "Haruto", "Yui", "Sota", "Aoi", "Wei", "Mei",
)  # fmt: skip
ENGLISH_SURNAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Brown", "Garcia", "Miller", "Davis", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Martin", "Clark", "Lewis", "Walker", "Young", "Allen",
    "O'Brien", "Sato", "Suzuki", "Tanaka", "Nakamura", "Tan", "Lim", "Chen", "Nguyen",
)  # fmt: skip

KOREAN_COMPANY_STEMS: tuple[str, ...] = (
    "한빛", "대한", "미래", "세종", "새롬", "누리", "태성", "동방", "삼정", "우리",
    "광명", "청운", "하나로", "신성", "진흥", "보람", "푸른", "금강", "백두", "한결",
)  # fmt: skip
KOREAN_COMPANY_SUFFIXES: tuple[str, ...] = (
    "소프트", "물산", "전자", "로지스틱스", "바이오", "테크", "건설", "제약", "화학",
    "정밀", "에너지", "푸드", "네트웍스", "시스템즈", "캐피탈",
)  # fmt: skip
ENGLISH_COMPANY_STEMS: tuple[str, ...] = (
    "Northwind", "Bluefin", "Summit", "Redwood", "Ironclad", "Brightline", "Cobalt",
    "Evergreen", "Harbor", "Keystone", "Lumen", "Meridian", "Pioneer", "Quantum",
    "Silverline", "Tidewater", "Vantage", "Westbridge", "Sakura", "Hikari", "Marina Bay",
    "Formosa", "Mekong", "Southern Cross",
)  # fmt: skip
ENGLISH_COMPANY_SUFFIXES: tuple[str, ...] = (
    "Systems", "Labs", "Logistics, Inc.", "Health", "Analytics", "Manufacturing Co.",
    "Software, LLC", "Partners", "Retail Group", "Robotics", "\"Prime\" Holdings",
)  # fmt: skip

INDUSTRIES: tuple[str, ...] = (
    "Manufacturing", "Software", "Financial Services", "Retail", "Healthcare",
    "Logistics", "Semiconductors", "Gaming", "Education", "Telecommunications",
    "Construction", "Biotechnology",
)  # fmt: skip
JOB_TITLES: tuple[str, ...] = (
    "CEO", "CTO", "CFO", "VP of Sales", "Head of Marketing", "Sales Manager",
    "Marketing Manager", "IT Director", "Procurement Manager", "Operations Manager",
    "Software Engineer", "Data Analyst", "Intern", "Student", "대표이사", "영업팀장",
    "마케팅팀 과장", "구매 담당",
)  # fmt: skip
EMAIL_DOMAINS: tuple[str, ...] = ("example.com", "example.net", "example.org")


def pick(rng: np.random.Generator, pool: tuple[str, ...], size: int) -> np.ndarray:
    """Return `size` values drawn uniformly from `pool` as an object array."""
    return np.asarray(pool, dtype=object)[rng.integers(0, len(pool), size)]


def _romanised(name: str) -> str:
    """Lower-case a name and keep only letters, for an e-mail local part (O'Brien -> obrien)."""
    return "".join(character for character in name.lower() if character.isalpha())


def people(
    rng: np.random.Generator, is_korean: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return first names, last names and their romanised forms for e-mail local parts."""
    size = len(is_korean)
    korean_given = rng.integers(0, len(KOREAN_GIVEN_NAMES), size)
    korean_surname = rng.integers(0, len(KOREAN_SURNAMES), size)
    english_given = rng.integers(0, len(ENGLISH_GIVEN_NAMES), size)
    english_surname = rng.integers(0, len(ENGLISH_SURNAMES), size)

    def pool(values: list[str]) -> np.ndarray:
        return np.asarray(values, dtype=object)

    first = np.where(
        is_korean,
        pool([hangul for hangul, _ in KOREAN_GIVEN_NAMES])[korean_given],
        pool(list(ENGLISH_GIVEN_NAMES))[english_given],
    )
    last = np.where(
        is_korean,
        pool([hangul for hangul, _ in KOREAN_SURNAMES])[korean_surname],
        pool(list(ENGLISH_SURNAMES))[english_surname],
    )
    first_roman = np.where(
        is_korean,
        pool([roman for _, roman in KOREAN_GIVEN_NAMES])[korean_given],
        pool([_romanised(name) for name in ENGLISH_GIVEN_NAMES])[english_given],
    )
    last_roman = np.where(
        is_korean,
        pool([roman for _, roman in KOREAN_SURNAMES])[korean_surname],
        pool([_romanised(name) for name in ENGLISH_SURNAMES])[english_surname],
    )
    return first, last, first_roman, last_roman


def email_addresses(
    rng: np.random.Generator,
    first_roman: np.ndarray,
    last_roman: np.ndarray,
    numbers: np.ndarray,
    domains: tuple[str, ...] = EMAIL_DOMAINS,
) -> np.ndarray:
    """Return addresses such as `minjun.kim.1042@example.com`, unique when `numbers` are."""
    chosen = pick(rng, domains, len(numbers))
    local = first_roman + "." + last_roman + "." + numbers.astype(str).astype(object)
    return local + "@" + chosen


def sequence_ids(prefix: str, first_number: int, count: int) -> np.ndarray:
    """Return CRM-style ids: a 3-character key prefix, then 12 zero-padded digits."""
    return np.asarray(
        [f"{prefix}{number:012d}" for number in range(first_number, first_number + count)],
        dtype=object,
    )
