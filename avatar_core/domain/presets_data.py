"""The character presets offered in the UI (pure data, no database)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

CATEGORIES: tuple[str, ...] = ("professional", "casual", "sports", "fashion", "traditional")


@dataclass(frozen=True)
class Persona:
    """Who the portrait shows: a name, an age, three traits and a background line."""

    name: str
    age: int
    personality: tuple[str, ...]
    background: str


@dataclass(frozen=True)
class VisualAttributes:
    """Plain-word visual attributes that prompts and offline renderers can parse."""

    gender: str
    age_range: str
    ethnicity: str
    body_type: str
    hair_style: str
    hair_color: str
    eye_color: str
    skin_tone: str
    style: str

    def as_dict(self) -> dict[str, str]:
        """Return the attributes as a plain field-name to value mapping."""
        return {key: str(value) for key, value in asdict(self).items()}


@dataclass(frozen=True)
class PresetData:
    """One character preset: identity, UI text, FLUX prompt, persona and attributes."""

    key: str
    name: str
    category: str
    description: str
    prompt: str
    persona: Persona
    attributes: VisualAttributes


PRESETS: tuple[PresetData, ...] = (
    # --- professional (5) ---
    PresetData(
        key="professional-business-woman",
        name="Professional Business Woman",
        category="professional",
        description="Confident executive in a tailored blazer, modern office.",
        prompt=(
            "professional headshot of a confident woman in a tailored navy blazer, "
            "modern office background, soft natural window light, shallow depth of field"
        ),
        persona=Persona(
            name="Sarah Mitchell",
            age=34,
            personality=("confident", "decisive", "approachable"),
            background="A marketing director who leads a team of twenty at a consumer brand.",
        ),
        attributes=VisualAttributes(
            gender="female",
            age_range="30-40",
            ethnicity="caucasian",
            body_type="slim",
            hair_style="bob",
            hair_color="brown",
            eye_color="hazel",
            skin_tone="fair",
            style="navy blazer business suit",
        ),
    ),
    PresetData(
        key="professional-business-man",
        name="Professional Business Man",
        category="professional",
        description="Composed manager in a charcoal suit, glass-walled office.",
        prompt=(
            "professional headshot of a composed man in a charcoal business suit and white "
            "shirt, glass-walled office background, soft studio lighting, shallow depth of field"
        ),
        persona=Persona(
            name="Daniel Okafor",
            age=42,
            personality=("composed", "strategic", "warm"),
            background="A finance manager who mentors young analysts at a regional bank.",
        ),
        attributes=VisualAttributes(
            gender="male",
            age_range="35-45",
            ethnicity="nigerian",
            body_type="athletic",
            hair_style="short",
            hair_color="black",
            eye_color="dark brown",
            skin_tone="dark",
            style="charcoal business suit",
        ),
    ),
    PresetData(
        key="professional-hijabi-woman",
        name="Professional Hijabi Woman",
        category="professional",
        description="Poised professional in a hijab and blazer, bright office.",
        prompt=(
            "professional headshot of a poised woman wearing an elegant hijab and a cream "
            "blazer, bright contemporary office background, soft natural light, "
            "shallow depth of field"
        ),
        persona=Persona(
            name="Amira Haddad",
            age=31,
            personality=("poised", "articulate", "thoughtful"),
            background="A software project manager who coordinates teams across three countries.",
        ),
        attributes=VisualAttributes(
            gender="female",
            age_range="25-35",
            ethnicity="middle eastern",
            body_type="average",
            hair_style="hijab",
            hair_color="dark brown",
            eye_color="brown",
            skin_tone="olive",
            style="cream blazer business attire",
        ),
    ),
    PresetData(
        key="healthcare-professional",
        name="Healthcare Professional",
        category="professional",
        description="Caring clinician in scrubs, bright hospital corridor.",
        prompt=(
            "portrait of a caring healthcare professional in teal scrubs with a stethoscope, "
            "bright hospital corridor background, soft even lighting, shallow depth of field"
        ),
        persona=Persona(
            name="Maria Santos",
            age=38,
            personality=("compassionate", "calm", "attentive"),
            background="An emergency room nurse known for keeping patients at ease.",
        ),
        attributes=VisualAttributes(
            gender="female",
            age_range="30-45",
            ethnicity="filipino",
            body_type="average",
            hair_style="ponytail",
            hair_color="black",
            eye_color="dark brown",
            skin_tone="medium",
            style="teal medical scrubs",
        ),
    ),
    PresetData(
        key="tech-professional",
        name="Tech Professional",
        category="professional",
        description="Friendly engineer in a smart-casual shirt, startup office.",
        prompt=(
            "portrait of a friendly software engineer in a grey smart-casual button-down shirt, "
            "open-plan startup office background, warm natural light, shallow depth of field"
        ),
        persona=Persona(
            name="Arjun Mehta",
            age=29,
            personality=("curious", "analytical", "friendly"),
            background="A backend engineer who builds data tools at a growing startup.",
        ),
        attributes=VisualAttributes(
            gender="male",
            age_range="25-35",
            ethnicity="south asian",
            body_type="slim",
            hair_style="short",
            hair_color="black",
            eye_color="brown",
            skin_tone="brown",
            style="grey smart casual shirt",
        ),
    ),
    # --- casual (5) ---
    PresetData(
        key="casual-retiree",
        name="Casual Retiree",
        category="casual",
        description="Relaxed retiree in a cardigan, sunny garden.",
        prompt=(
            "portrait of a relaxed retired man in a soft green cardigan, sunny garden "
            "background with flowers, warm afternoon light, gentle smile"
        ),
        persona=Persona(
            name="Robert Hughes",
            age=68,
            personality=("easygoing", "wise", "good-humoured"),
            background="A retired schoolteacher who spends his mornings tending his garden.",
        ),
        attributes=VisualAttributes(
            gender="male",
            age_range="60-75",
            ethnicity="caucasian",
            body_type="average",
            hair_style="short",
            hair_color="silver",
            eye_color="blue",
            skin_tone="light",
            style="green casual cardigan",
        ),
    ),
    PresetData(
        key="casual-student",
        name="Casual Student",
        category="casual",
        description="Cheerful student in a hoodie, university campus.",
        prompt=(
            "portrait of a cheerful university student in a maroon hoodie, leafy campus "
            "background, soft daylight, candid natural expression"
        ),
        persona=Persona(
            name="Mei Lin",
            age=20,
            personality=("cheerful", "inquisitive", "energetic"),
            background="A second-year biology student who volunteers at the campus library.",
        ),
        attributes=VisualAttributes(
            gender="female",
            age_range="18-24",
            ethnicity="east asian",
            body_type="slim",
            hair_style="long",
            hair_color="black",
            eye_color="dark brown",
            skin_tone="light",
            style="maroon casual hoodie",
        ),
    ),
    PresetData(
        key="casual-weekend-dad",
        name="Casual Weekend Dad",
        category="casual",
        description="Easygoing father in a flannel shirt, park on a Saturday.",
        prompt=(
            "portrait of an easygoing father in a red flannel shirt, sunny park background, "
            "golden hour light, warm relaxed smile"
        ),
        persona=Persona(
            name="Carlos Rivera",
            age=40,
            personality=("playful", "patient", "dependable"),
            background="A carpenter who spends weekends coaching his kids' football team.",
        ),
        attributes=VisualAttributes(
            gender="male",
            age_range="35-45",
            ethnicity="latino",
            body_type="stocky",
            hair_style="short",
            hair_color="dark brown",
            eye_color="brown",
            skin_tone="tan",
            style="red flannel casual shirt",
        ),
    ),
    PresetData(
        key="casual-creative-artist",
        name="Casual Creative Artist",
        category="casual",
        description="Expressive painter in a denim shirt, sunlit studio.",
        prompt=(
            "portrait of an expressive artist in a paint-flecked denim shirt, sunlit art "
            "studio background with canvases, soft natural window light"
        ),
        persona=Persona(
            name="Zara Williams",
            age=27,
            personality=("imaginative", "expressive", "independent"),
            background="A muralist whose large colourful works brighten her home city.",
        ),
        attributes=VisualAttributes(
            gender="female",
            age_range="25-35",
            ethnicity="black",
            body_type="average",
            hair_style="afro",
            hair_color="black",
            eye_color="brown",
            skin_tone="brown",
            style="blue denim casual shirt",
        ),
    ),
    PresetData(
        key="casual-young-professional",
        name="Casual Young Professional",
        category="casual",
        description="Upbeat young professional in a sweater, cosy cafe.",
        prompt=(
            "portrait of an upbeat young professional in a beige knit sweater, cosy cafe "
            "background, warm ambient light, shallow depth of field"
        ),
        persona=Persona(
            name="Lucas Bernard",
            age=26,
            personality=("upbeat", "sociable", "ambitious"),
            background="A junior architect who sketches ideas over coffee before work.",
        ),
        attributes=VisualAttributes(
            gender="male",
            age_range="22-30",
            ethnicity="mediterranean",
            body_type="slim",
            hair_style="wavy",
            hair_color="brown",
            eye_color="green",
            skin_tone="olive",
            style="beige casual knit sweater",
        ),
    ),
    # --- sports (3) ---
    PresetData(
        key="fitness-trainer",
        name="Fitness Trainer",
        category="sports",
        description="Energetic trainer in athletic wear, modern gym.",
        prompt=(
            "portrait of an energetic fitness trainer in a black athletic tank top, modern "
            "gym background, crisp bright lighting, confident expression"
        ),
        persona=Persona(
            name="Marcus Johnson",
            age=32,
            personality=("motivating", "disciplined", "upbeat"),
            background="A personal trainer who runs early-morning group classes.",
        ),
        attributes=VisualAttributes(
            gender="male",
            age_range="25-35",
            ethnicity="african american",
            body_type="muscular",
            hair_style="buzz",
            hair_color="black",
            eye_color="dark brown",
            skin_tone="dark",
            style="black athletic wear",
        ),
    ),
    PresetData(
        key="yoga-instructor",
        name="Yoga Instructor",
        category="sports",
        description="Serene instructor in yoga wear, calm studio.",
        prompt=(
            "portrait of a serene yoga instructor in sage green yoga wear, calm studio "
            "background with plants, soft diffused morning light"
        ),
        persona=Persona(
            name="Priya Sharma",
            age=35,
            personality=("serene", "grounded", "encouraging"),
            background="A yoga teacher who runs a small neighbourhood studio.",
        ),
        attributes=VisualAttributes(
            gender="female",
            age_range="30-40",
            ethnicity="indian",
            body_type="athletic",
            hair_style="bun",
            hair_color="dark brown",
            eye_color="brown",
            skin_tone="brown",
            style="sage green yoga wear",
        ),
    ),
    PresetData(
        key="runner-athlete",
        name="Runner/Athlete",
        category="sports",
        description="Determined runner in running gear, outdoor track.",
        prompt=(
            "portrait of a determined runner in a bright orange athletic running jersey, "
            "outdoor track background, golden hour light, focused expression"
        ),
        persona=Persona(
            name="Sofia Andersson",
            age=24,
            personality=("determined", "resilient", "competitive"),
            background="A middle-distance runner training for her first national championship.",
        ),
        attributes=VisualAttributes(
            gender="female",
            age_range="20-30",
            ethnicity="scandinavian",
            body_type="athletic",
            hair_style="ponytail",
            hair_color="blonde",
            eye_color="blue",
            skin_tone="fair",
            style="orange athletic running gear",
        ),
    ),
    # --- fashion (3) ---
    PresetData(
        key="street-fashion",
        name="Street Fashion",
        category="fashion",
        description="Stylish trendsetter in streetwear, city street.",
        prompt=(
            "fashion portrait of a stylish young man in layered streetwear with an oversized "
            "olive jacket, urban city street background, overcast soft light, editorial look"
        ),
        persona=Persona(
            name="Kenji Tanaka",
            age=23,
            personality=("stylish", "creative", "self-assured"),
            background="A sneaker designer who documents city street style online.",
        ),
        attributes=VisualAttributes(
            gender="male",
            age_range="20-28",
            ethnicity="japanese",
            body_type="slim",
            hair_style="straight",
            hair_color="black",
            eye_color="dark brown",
            skin_tone="light",
            style="olive streetwear jacket",
        ),
    ),
    PresetData(
        key="modest-fashion",
        name="Modest Fashion",
        category="fashion",
        description="Graceful modest look in a flowing abaya and hijab.",
        prompt=(
            "fashion portrait of a graceful woman in a flowing dusty rose abaya with a matching "
            "hijab, elegant boutique background, soft diffused light, editorial look"
        ),
        persona=Persona(
            name="Layla Rahman",
            age=28,
            personality=("graceful", "creative", "confident"),
            background="A modest fashion designer who runs her own clothing label.",
        ),
        attributes=VisualAttributes(
            gender="female",
            age_range="25-35",
            ethnicity="malaysian",
            body_type="average",
            hair_style="hijab",
            hair_color="black",
            eye_color="brown",
            skin_tone="medium",
            style="dusty rose abaya",
        ),
    ),
    PresetData(
        key="elegant-evening",
        name="Elegant Evening",
        category="fashion",
        description="Sophisticated guest in an evening gown, gala venue.",
        prompt=(
            "elegant portrait of a sophisticated woman in an emerald evening gown, softly lit "
            "gala venue background with warm bokeh, glamorous studio lighting"
        ),
        persona=Persona(
            name="Isabelle Laurent",
            age=45,
            personality=("sophisticated", "gracious", "witty"),
            background="A gallery owner who hosts the city's annual arts fundraiser.",
        ),
        attributes=VisualAttributes(
            gender="female",
            age_range="40-50",
            ethnicity="european",
            body_type="slim",
            hair_style="wavy",
            hair_color="auburn",
            eye_color="green",
            skin_tone="fair",
            style="emerald evening gown",
        ),
    ),
    # --- traditional (3) ---
    PresetData(
        key="traditional-japanese",
        name="Traditional Japanese",
        category="traditional",
        description="Graceful portrait in a kimono, tranquil Japanese garden.",
        prompt=(
            "portrait of a graceful woman in a traditional indigo kimono with a patterned obi, "
            "tranquil Japanese garden background, soft natural light"
        ),
        persona=Persona(
            name="Yuki Nakamura",
            age=30,
            personality=("graceful", "gentle", "attentive"),
            background="A tea ceremony teacher who carries on her family's tradition in Kyoto.",
        ),
        attributes=VisualAttributes(
            gender="female",
            age_range="25-35",
            ethnicity="japanese",
            body_type="slim",
            hair_style="bun",
            hair_color="black",
            eye_color="dark brown",
            skin_tone="light",
            style="indigo traditional kimono",
        ),
    ),
    PresetData(
        key="traditional-indian",
        name="Traditional Indian",
        category="traditional",
        description="Radiant portrait in a silk sari, festive courtyard.",
        prompt=(
            "portrait of a radiant woman in a traditional crimson silk sari with gold "
            "embroidery, festive courtyard background with marigolds, warm golden light"
        ),
        persona=Persona(
            name="Ananya Iyer",
            age=33,
            personality=("radiant", "warm", "spirited"),
            background="A classical dance teacher who performs at seasonal festivals.",
        ),
        attributes=VisualAttributes(
            gender="female",
            age_range="28-38",
            ethnicity="indian",
            body_type="average",
            hair_style="braids",
            hair_color="black",
            eye_color="dark brown",
            skin_tone="brown",
            style="crimson silk sari",
        ),
    ),
    PresetData(
        key="traditional-west-african",
        name="Traditional West African",
        category="traditional",
        description="Dignified elder in kente cloth, warm outdoor light.",
        prompt=(
            "portrait of a dignified man wearing traditional gold and green kente cloth "
            "draped over one shoulder, warm outdoor courtyard background, rich "
            "late-afternoon light"
        ),
        persona=Persona(
            name="Kwame Mensah",
            age=55,
            personality=("dignified", "generous", "wise"),
            background="A community leader and textile merchant from Kumasi.",
        ),
        attributes=VisualAttributes(
            gender="male",
            age_range="50-60",
            ethnicity="ghanaian",
            body_type="stocky",
            hair_style="short",
            hair_color="grey",
            eye_color="dark brown",
            skin_tone="dark",
            style="gold and green traditional kente cloth robe",
        ),
    ),
)

# Words people type for a preset besides its name, category and description: jobs, synonyms,
# clothes, places (lower case, separated by spaces). The picker's search shows a card when every
# word typed is part of its text (name, category, description and these words), so "doctor"
# finds the Healthcare Professional; a job no preset shows (a chef) is left out, not pretended.
SEARCH_WORDS: dict[str, str] = {
    "professional-business-woman": "ceo businesswoman director manager boss founder entrepreneur "
    "lawyer attorney consultant accountant banker marketing corporate headshot linkedin",
    "professional-business-man": "ceo businessman executive director boss founder entrepreneur "
    "lawyer attorney consultant accountant banker finance corporate headshot linkedin",
    "professional-hijabi-woman": "muslim project manager executive ceo businesswoman lawyer "
    "consultant software corporate headshot linkedin",
    "healthcare-professional": "doctor physician nurse surgeon dentist pharmacist paramedic medic "
    "medical hospital clinic scrubs health therapist caregiver vet",
    "tech-professional": "developer programmer software coder scientist data researcher analyst "
    "tech startup product manager engineering",
    "casual-retiree": "retired grandfather grandpa grandparent senior elderly pensioner gardener",
    "casual-student": "student college university school campus teen library hoodie biology",
    "casual-weekend-dad": "father dad parent family carpenter coach weekend outdoors",
    "casual-creative-artist": "artist painter designer illustrator muralist creative photographer writer",
    "casual-young-professional": "teacher professor lecturer tutor educator architect freelancer "
    "office worker remote coffee",
    "fitness-trainer": "coach personal trainer gym bodybuilder athlete fitness workout sport",
    "yoga-instructor": "yoga teacher pilates meditation wellness mindfulness",
    "runner-athlete": "runner athlete marathon jogger sprinter track sport olympic",
    "street-fashion": "streetwear sneakers skater hip hop influencer urban model designer",
    "modest-fashion": "abaya hijab muslim modest fashion designer model",
    "elegant-evening": "gala gown formal wedding party red carpet actress celebrity glamour prom",
    "traditional-japanese": "kimono japan tea ceremony kyoto garden",
    "traditional-indian": "sari saree india dancer festival diwali bollywood",
    "traditional-west-african": "kente ghana african elder chief community leader merchant",
}


def search_words(key: str) -> tuple[str, ...]:
    """A preset's extra search words (none for a preset not in SEARCH_WORDS, e.g. one added later)."""
    return tuple(SEARCH_WORDS.get(key, "").split())
