"""The edit instruction for an avatar from the user's own photo (pure: no I/O).

FLUX.1 Kontext edits the photo it is given following an instruction; a preset written for
text-to-image ("portrait of a confident woman in a navy blazer...") would ask it to change who the
person is. So the instruction keeps what a preset says about clothes, setting, light and style and
leaves out what would change the person: gender, age, ethnicity, skin tone, eye colour, body type.
"""

from __future__ import annotations

import re

from avatar_core.domain.presets_data import PresetData

KEEP_IDENTITY = "keep the person's face, skin tone, eye colour and features unchanged"
# Words that describe who someone is rather than how they are dressed, lit or framed.
_IDENTITY = re.compile(
    r"\b(woman|man|women|men|girl|boy|lady|gentleman|guy|female|male|person|people|"
    r"young|younger|old|older|elderly|senior|middle-aged|teen(age|ager)?|adult|child|kid|"
    r"[a-z]+-(skinned|eyed)|(fair|light|medium|olive|tan|brown|dark|deep)[ -]skin(ned)?|skin tone|"
    r"(blue|green|brown|hazel|grey|gray|amber|dark) eyes|"
    r"african|asian|east asian|south asian|caucasian|european|hispanic|latina|latino|latinx|"
    r"arab|middle eastern|nordic|slim|curvy|"
    r"athletic build|muscular|petite|plus-size|heavy-set)\b",
    re.I,
)
_SUBJECT = re.compile(
    r"^(?P<kind>.*?)\s+of\s+(an?\s+)?(?P<who>.*?)(?P<rest>\s+(in|wearing|with)\s+.*)?$", re.I
)


def _without_identity(phrase: str) -> str:
    """`phrase` with identity words removed and whitespace tidied."""
    text = _IDENTITY.sub("", phrase)
    text = re.sub(r"\b(an?|the)\s+(?=(in|wearing|with|,|$))", "", text)
    return " ".join(text.split()).strip(" ,")


def scene_of(preset: PresetData) -> tuple[str, list[str]]:
    """(kind of picture, the preset's non-identity phrases) from its text-to-image prompt."""
    phrases = [p.strip() for p in preset.prompt.split(",") if p.strip()]
    kind, details = "portrait", list[str]()
    if phrases:
        match = _SUBJECT.match(phrases[0])
        if match:
            kind = match["kind"].strip() or kind
            rest = (match["rest"] or "").strip()
            phrases = ([rest] if rest else []) + phrases[1:]
    for phrase in phrases:
        cleaned = _without_identity(phrase)
        if cleaned and cleaned.lower() not in (d.lower() for d in details):
            details.append(cleaned)
    return kind, details


def likeness_instruction(user_text: str, preset: PresetData | None) -> str:
    """The Kontext instruction: turn the photo into the preset's scene, keep the person."""
    user = " ".join((user_text or "").split()).strip(" ,.")
    if preset is None:
        if not user:
            raise ValueError("Write what the avatar should look like or pick a preset.")
        return f"Turn this photo into a portrait: {user}; {KEEP_IDENTITY}."
    kind, details = scene_of(preset)
    parts = ", ".join(details + ([user] if user else []))
    article = "an" if kind[:1].lower() in "aeiou" else "a"
    joint = " of the same person " if re.match(r"(in|wearing|with)\b", parts) else ": "
    return f"Turn this photo into {article} {kind}{joint}{parts}; {KEEP_IDENTITY}."
