"""Phone-level diagnosis: what went wrong in a word, and how to fix it.

Every sentence comes in English and Korean. The tips cover the confusions Korean
learners of English make most (r/l, f/p, v/b, θ/ð, z/dʒ, vowel length, and the
vowel added after a final consonant); other confusions get the diagnosis without a
tip rather than a vague one.
"""

from __future__ import annotations

from .pronunciation import PhoneScore, WordScore
from .types import Bilingual, WordIssue

_R_L = Bilingual(
    en="For /ɹ/, curl the tongue tip back without touching the roof of the mouth and "
    "round the lips a little; for /l/, press the tongue tip on the ridge behind the top teeth.",
    ko="/ɹ/는 혀끝이 입천장에 닿지 않게 뒤로 말고 입술을 살짝 둥글게 하세요. "
    "/l/은 혀끝을 윗니 뒤 잇몸에 붙이세요.",
)
_F_P = Bilingual(
    en="/f/ is not /p/: rest your top teeth on your lower lip and let the air flow out.",
    ko="/f/는 /p/(ㅍ)가 아니에요. 윗니를 아랫입술에 살짝 대고 바람을 내보내세요.",
)
_V_B = Bilingual(
    en="/v/ is /f/ with voice: top teeth on the lower lip and let it buzz; "
    "don't close your lips as for /b/.",
    ko="/v/는 윗니를 아랫입술에 대고 목을 울리며 내는 소리예요. /b/(ㅂ)처럼 입술을 닫지 마세요.",
)
_TH = Bilingual(
    en="For /θ/ ('think'), put the tongue tip between your teeth and blow softly; "
    "don't hiss an /s/ or stop the air as for /t/.",
    ko="/θ/('think')는 혀끝을 윗니와 아랫니 사이에 살짝 내밀고 바람을 내보내세요. "
    "/s/(ㅅ)나 /t/(ㅌ)가 되지 않게 하세요.",
)
_DH = Bilingual(
    en="/ð/ ('this') is /θ/ with voice: tongue between the teeth and let it buzz; "
    "don't stop the air as for /d/.",
    ko="/ð/('this')는 혀끝을 이 사이에 두고 목을 울리며 내요. /d/(ㄷ)처럼 공기를 막지 마세요.",
)
_Z = Bilingual(
    en="/z/ is a buzzing /s/: keep the tongue off the roof of the mouth, "
    "without the 'j' start of /dʒ/.",
    ko="/z/는 /s/에 목 울림을 더한 소리예요. 'ㅈ'(/dʒ/)처럼 혀를 입천장에 붙이지 마세요.",
)
_LONG_I = Bilingual(
    en="/i/ as in 'sheep' is long and tense: spread your lips and hold it.",
    ko="/i/('sheep')는 길고 긴장된 '이-'예요. 입술을 양옆으로 당기고 길게 소리 내세요.",
)
_SHORT_I = Bilingual(
    en="/ɪ/ as in 'ship' is short and relaxed, between Korean 이 and 에.",
    ko="/ɪ/('ship')는 짧고 느슨한 소리로, '이'와 '에'의 중간이에요.",
)
_LONG_U = Bilingual(
    en="/u/ as in 'food' is long, with the lips rounded and pushed forward.",
    ko="/u/('food')는 입술을 둥글게 앞으로 내밀고 길게 '우-' 하세요.",
)
_SHORT_U = Bilingual(
    en="/ʊ/ as in 'good' is short and relaxed; don't stretch it into a long /u/.",
    ko="/ʊ/('good')는 짧고 느슨한 '우'예요. 길게 끌지 마세요.",
)
_A_E = Bilingual(
    en="/æ/ ('cat') opens the mouth wider than /ɛ/ ('bed'): drop your jaw.",
    ko="/æ/('cat')는 /ɛ/('bed')보다 입을 더 크게 벌려요. 턱을 아래로 내리세요.",
)
_UH_AH = Bilingual(
    en="/ʌ/ ('cup') is short and central, /ɑ/ ('father') is open and back.",
    ko="/ʌ/('cup')는 짧고 가운데에서 나는 '어', /ɑ/('father')는 입을 크게 벌린 '아'예요.",
)
# (expected, heard) -> tip. Listed both ways where the confusion runs both ways.
TIPS: dict[tuple[str, str], Bilingual] = {
    ("ɹ", "l"): _R_L,
    ("l", "ɹ"): _R_L,
    ("f", "p"): _F_P,
    ("p", "f"): _F_P,
    ("v", "b"): _V_B,
    ("b", "v"): _V_B,
    ("θ", "s"): _TH,
    ("θ", "t"): _TH,
    ("ð", "d"): _DH,
    ("ð", "z"): _DH,
    ("z", "d͡ʒ"): _Z,
    ("d͡ʒ", "z"): _Z,
    ("i", "ɪ"): _LONG_I,
    ("ɪ", "i"): _SHORT_I,
    ("u", "ʊ"): _LONG_U,
    ("ʊ", "u"): _SHORT_U,
    ("æ", "ɛ"): _A_E,
    ("ɛ", "æ"): _A_E,
    ("ʌ", "ɑ"): _UH_AH,
    ("ɑ", "ʌ"): _UH_AH,
}


def _quote(text: str) -> str:
    return f"'{text.strip(',.;:!?')}'"


def _epenthesis_issue(ws: WordScore) -> WordIssue:
    last = ws.phones[-1].phone if ws.phones else ""
    word = _quote(ws.text)
    return {
        "kind": "epenthesis",
        "expected": last,
        "heard": None,
        "en": f"A vowel added after /{last}/ at the end of {word}",
        "ko": f"{word} 끝의 /{last}/ 뒤에 모음(으)을 덧붙였어요",
        "tip": Bilingual(
            en=f"End {word} on the consonant /{last}/: no 'uh' after it.",
            ko=f"{word}는 /{last}/ 자음으로 끝내세요. 뒤에 '으'를 붙이지 마세요.",
        ),
    }


def _phone_issue(ws: WordScore, phone: PhoneScore) -> WordIssue:
    word = _quote(ws.text)
    if phone.status == "missing":
        return {
            "kind": "deletion",
            "expected": phone.phone,
            "heard": None,
            "en": f"/{phone.phone}/ left out in {word}",
            "ko": f"{word}에서 /{phone.phone}/ 소리가 빠졌어요",
            "tip": Bilingual(
                en=f"Say every sound of {word}: listen to the actor and repeat it slowly.",
                ko=f"{word}의 소리를 하나도 빠뜨리지 말고, 배우를 듣고 천천히 따라 해 보세요.",
            ),
        }
    if phone.heard is None:
        return {
            "kind": "unclear",
            "expected": phone.phone,
            "heard": None,
            "en": f"/{phone.phone}/ in {word} sounded like another sound",
            "ko": f"{word}의 /{phone.phone}/ 소리가 다른 소리로 들렸어요",
            "tip": Bilingual(
                en=f"Listen to how the actor says {word} and repeat it slowly.",
                ko=f"배우가 {word}를 어떻게 말하는지 듣고 천천히 따라 해 보세요.",
            ),
        }
    heard = phone.heard
    return {
        "kind": "substitution",
        "expected": phone.phone,
        "heard": heard,
        "en": f"/{heard}/ instead of /{phone.phone}/ in {word}",
        "ko": f"{word}에서 /{phone.phone}/ 대신 /{heard}/로 발음했어요",
        "tip": TIPS.get((phone.phone, heard)),
    }


def diagnose(ws: WordScore) -> WordIssue | None:
    """The word's main problem: its worst flagged phone, or an added final vowel."""
    flagged = [p for p in ws.phones if p.status != "ok"]
    if flagged:
        return _phone_issue(ws, min(flagged, key=lambda p: p.score))
    if ws.epenthesis:
        return _epenthesis_issue(ws)
    return None
