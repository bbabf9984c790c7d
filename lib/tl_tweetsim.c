#include "tl_tweetsim.h"
#include "tl_alloc.h"
#include "tl_num.h"
#include "tl_str.h"
#include "tl_time.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_USERS 10000
#define N_TAGS 2000
#define TWITTER_EPOCH 1288834974657LL

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rnext(struct rng *r) /* xoshiro256** */
{
	uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

static void rseed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix(&seed);
}

static double runif(struct rng *r)
{
	return (double)(rnext(r) >> 11) * (1.0 / 9007199254740992.0);
}

static uint32_t rbelow(struct rng *r, uint32_t n)
{
	return (uint32_t)(runif(r) * n);
}

static bool rchance(struct rng *r, double p)
{
	return runif(r) < p;
}

static double rgauss(struct rng *r)
{
	double u = runif(r), v = runif(r);
	if (u < 1e-300)
		u = 1e-300;
	return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

/* Zipf over n ranks with exponent s: a cumulative table, sampled by bisection. */
struct zipf {
	double *cdf;
	uint32_t n;
};

static void zipf_init(struct zipf *z, uint32_t n, double s)
{
	z->n = n;
	z->cdf = xmalloc(n * sizeof *z->cdf);
	double sum = 0;
	for (uint32_t i = 0; i < n; i++)
		z->cdf[i] = sum += 1.0 / pow(i + 1, s);
	for (uint32_t i = 0; i < n; i++)
		z->cdf[i] /= sum;
}

static uint32_t zipf_pick(const struct zipf *z, struct rng *r)
{
	double u = runif(r);
	uint32_t lo = 0, hi = z->n - 1;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (z->cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct lang {
	const char *code;
	double weight;
	const char *words[24];
};

/* Shares roughly as measured on the sample stream (en, ja, es, pt, ar, und lead). */
static const struct lang LANGS[] = {
	{ "en", 31, { "the", "this", "is", "so", "good", "today", "love", "new", "people", "just", "time",
		      "really", "going", "what", "can't", "believe", "great", "game", "night", "work",
		      "happy", "never", "thank", "you" } },
	{ "ja", 16, { "今日", "本当に", "ありがとう", "かわいい", "最高", "です", "ね", "楽しい", "明日",
		      "みんな", "好き", "これ", "すごい", "おはよう", "やばい", "頑張る", "写真", "ライブ",
		      "嬉しい", "新しい", "見て", "時間", "お疲れ様", "大好き" } },
	{ "es", 10, { "que", "hoy", "muy", "buen", "día", "gracias", "amor", "todo", "vida", "mejor", "nunca",
		      "gente", "partido", "noche", "feliz", "siempre", "quiero", "ver", "nuevo", "mundo",
		      "casa", "años", "bien", "más" } },
	{ "pt", 7, { "que", "hoje", "muito", "bom", "dia", "obrigado", "amor", "tudo", "vida", "melhor",
		     "nunca", "gente", "jogo", "noite", "feliz", "sempre", "quero", "ver", "novo", "mundo",
		     "casa", "anos", "bem", "mais" } },
	{ "ar", 6, { "الله", "اليوم", "شكرا", "جميل", "حب", "الحمد", "لله", "صباح", "الخير", "كل", "شي",
		     "يا", "رب", "مساء", "الناس", "الحياة", "جدا", "من", "في", "على", "هذا", "عيد", "سعيد",
		     "خير" } },
	{ "und", 5, { "😂", "❤️", "🔥", "😭", "🙏", "✨", "👀", "💯", "🥺", "😍", "👏", "🎉", "lol", "omg",
		      "😂😂", "🤣", "💔", "😊", "🙌", "😎", "👍", "🤔", "😅", "💙" } },
	{ "ko", 4, { "오늘", "진짜", "너무", "좋아", "사랑해", "고마워", "우리", "내일", "행복", "최고",
		     "생일", "축하해", "보고", "싶어", "예뻐", "응원", "해요", "같이", "노래", "무대", "팬",
		     "영상", "시간", "정말" } },
	{ "fr", 3, { "le", "la", "les", "très", "bien", "aujourd'hui", "merci", "amour", "vie", "tout", "jamais",
		     "gens", "match", "soir", "heureux", "toujours", "veux", "voir", "nouveau", "monde",
		     "maison", "ans", "bon", "plus" } },
	{ "tr", 3, { "bugün", "çok", "güzel", "teşekkürler", "aşk", "hayat", "her", "şey", "iyi", "asla",
		     "insanlar", "maç", "gece", "mutlu", "her", "zaman", "istiyorum", "görmek", "yeni",
		     "dünya", "ev", "yıl", "daha", "bir" } },
	{ "in", 3, { "hari", "ini", "sangat", "bagus", "terima", "kasih", "cinta", "semua", "hidup",
		     "lebih", "baik", "orang", "malam", "senang", "selalu", "mau", "lihat", "baru", "dunia",
		     "rumah", "tahun", "aku", "kamu", "banget" } },
	{ "th", 2, { "วันนี้", "มาก", "ดี", "ขอบคุณ", "รัก", "ทุกคน", "ชีวิต", "ที่สุด", "คน", "คืนนี้",
		     "มีความสุข", "เสมอ", "อยาก", "ดู", "ใหม่", "โลก", "บ้าน", "ปี", "น่ารัก", "สวย", "เลย",
		     "จริง", "ค่ะ", "ครับ" } },
	{ "hi", 2, { "आज", "बहुत", "अच्छा", "धन्यवाद", "प्यार", "सब", "जीवन", "बेहतर", "कभी", "लोग",
		     "मैच", "रात", "खुश", "हमेशा", "चाहता", "देखना", "नया", "दुनिया", "घर", "साल", "और",
		     "है", "में", "जी" } },
	{ "de", 2, { "heute", "sehr", "gut", "danke", "liebe", "alles", "leben", "besser", "nie", "leute",
		     "spiel", "nacht", "glücklich", "immer", "will", "sehen", "neu", "welt", "haus", "jahre",
		     "und", "ist", "nicht", "mehr" } },
	{ "ru", 2, { "сегодня", "очень", "хорошо", "спасибо", "любовь", "всё", "жизнь", "лучше", "никогда",
		     "люди", "матч", "ночь", "счастлив", "всегда", "хочу", "видеть", "новый", "мир", "дом",
		     "лет", "и", "это", "не", "еще" } },
	{ "it", 1, { "oggi", "molto", "bene", "grazie", "amore", "tutto", "vita", "meglio", "mai", "gente",
		     "partita", "notte", "felice", "sempre", "voglio", "vedere", "nuovo", "mondo", "casa",
		     "anni", "e", "che", "non", "più" } },
	{ "tl", 1, { "ngayon", "sobra", "ganda", "salamat", "mahal", "lahat", "buhay", "mas", "hindi",
		     "tao", "laro", "gabi", "masaya", "palagi", "gusto", "makita", "bago", "mundo", "bahay",
		     "taon", "at", "ang", "ng", "talaga" } },
};
#define N_LANGS (sizeof LANGS / sizeof *LANGS)

static const char *FIRST[] = { "Maria", "James", "Yuki", "Ahmed", "Sofia", "Lucas", "Aiko", "Fatima",
			       "Daniel", "Ana", "Kenji", "Laura", "Omar", "Emma", "Hiro", "Camila", "Noah",
			       "Min-jun", "Chloé", "Mehmet", "Priya", "Ivan", "Giulia", "Jose", "Siti",
			       "Olivia", "Mateo", "Sakura", "Ali", "Lea" };
static const char *LAST[] = { "Silva", "Smith", "Tanaka", "Hassan", "Garcia", "Müller", "Kim", "Rossi",
			      "Santos", "Nguyen", "Yilmaz", "Sato", "Johnson", "Martin", "Kumar", "Ivanova",
			      "Lopez", "Park", "Dubois", "Reyes", "", "", "", "" };
static const char *SYL[] = { "ka", "ri", "mo", "to", "na", "lu", "shi", "ro", "be", "ta", "zen", "pix",
			     "dev", "neo", "sol", "mar", "kai", "lex", "vo", "ra", "jin", "ella", "max", "io" };
static const char *TOP_TAGS[] = { "AI", "Bitcoin", "BTS", "WorldCup", "Music", "News", "Crypto",
				  "Football", "Anime", "Gaming", "Photography", "Travel", "ChatGPT", "Art",
				  "Climate", "Tech", "Movies", "NBA", "F1", "KPop", "Ethereum", "Fashion",
				  "Food", "Netflix", "Science" };
static const char *BIOS[] = { "Coffee first.", "Views my own.", "Music lover 🎶", "Engineer | runner",
			      "Just here for the memes", "Photographer 📷", "Football fan ⚽",
			      "Writer. Reader. Dreamer.", "Mom of two", "Crypto enthusiast", "",
			      "Student", "Gamer 🎮", "Travel addict ✈️", "Artist", "News junkie" };
struct place {
	const char *name, *country, *cc;
	double lon, lat;
};
static const struct place PLACES[] = {
	{ "New York", "United States", "US", -74.0, 40.7 }, { "London", "United Kingdom", "GB", -0.13, 51.5 },
	{ "Tokyo", "Japan", "JP", 139.7, 35.7 }, { "São Paulo", "Brazil", "BR", -46.6, -23.5 },
	{ "Madrid", "Spain", "ES", -3.7, 40.4 }, { "Paris", "France", "FR", 2.35, 48.86 },
	{ "Jakarta", "Indonesia", "ID", 106.8, -6.2 }, { "Seoul", "Republic of Korea", "KR", 127.0, 37.6 },
	{ "Mexico City", "Mexico", "MX", -99.1, 19.4 }, { "Istanbul", "Türkiye", "TR", 29.0, 41.0 },
	{ "Riyadh", "Saudi Arabia", "SA", 46.7, 24.7 }, { "Lagos", "Nigeria", "NG", 3.4, 6.5 },
	{ "Mumbai", "India", "IN", 72.9, 19.1 }, { "Berlin", "Germany", "DE", 13.4, 52.5 },
	{ "Bangkok", "Thailand", "TH", 100.5, 13.8 }, { "Manila", "Philippines", "PH", 121.0, 14.6 },
	{ "Los Angeles", "United States", "US", -118.2, 34.1 }, { "Buenos Aires", "Argentina", "AR", -58.4, -34.6 },
};
#define N_PLACES (sizeof PLACES / sizeof *PLACES)
static const char *SOURCES[] = { "Twitter for iPhone", "Twitter for Android", "Twitter Web App",
				 "Twitter for iPhone", "Twitter for Android", "TweetDeck", "Buffer" };
static const char *RULE_TAGS[] = { "tech", "sports", "news" };
static const char *RULE_IDS[] = { "1729411024811057152", "1729411024811057153", "1729411024811057154" };

struct user {
	uint64_t id;
	int64_t created_ms;
	char username[24];
	char name[48];
	uint32_t followers, following, tweets, listed;
	uint16_t bio, place;
	uint32_t img;
	uint8_t verified, lang;
};

struct tl_tweetsim {
	struct rng rng;
	struct user *users;
	char (*tags)[32];
	struct zipf ztag, zuser;
	double lang_cdf[N_LANGS];
	char **user_json;   /* each user's JSON, rendered on first use (users do not change) */
	size_t *user_json_len;
	uint64_t vclock;  /* virtual ms timeline for ids (deterministic, unlike created_at) */
	uint32_t seq;
	struct tl_tweetsim_burst bursts[TL_TWEETSIM_BURSTS];
	int64_t burst_origin[TL_TWEETSIM_BURSTS];
	int nbursts;
	struct rng brng;  /* the bursts' own draws */
};

static uint64_t snowflake(uint64_t ms, struct rng *r, uint32_t seq)
{
	return ((ms - TWITTER_EPOCH) << 22) | ((uint64_t)rbelow(r, 1024) << 12) | (seq & 0xFFF);
}

struct tl_tweetsim *tl_tweetsim_new(uint64_t seed)
{
	struct tl_tweetsim *s = xcalloc(1, sizeof *s);
	rseed(&s->rng, seed);
	struct rng *r = &s->rng;
	s->users = xcalloc(N_USERS, sizeof *s->users);
	s->user_json = xcalloc(N_USERS, sizeof *s->user_json);
	s->user_json_len = xcalloc(N_USERS, sizeof *s->user_json_len);
	double sum = 0, tot = 0;
	for (size_t i = 0; i < N_LANGS; i++)
		tot += LANGS[i].weight;
	for (size_t i = 0; i < N_LANGS; i++)
		s->lang_cdf[i] = (sum += LANGS[i].weight) / tot;
	for (uint32_t i = 0; i < N_USERS; i++) {
		struct user *u = &s->users[i];
		/* accounts from 2008 to 2025, more of them recent */
		double age = pow(runif(r), 1.6);
		u->created_ms = 1735689600000LL - (int64_t)(age * 17 * 365.25 * 86400000.0);
		u->created_ms -= u->created_ms % 1000;
		if (u->created_ms < 1288834974657LL)
			u->id = 10000000 + (uint64_t)(u->created_ms - 1199145600000LL) / 400;
		else
			u->id = snowflake((uint64_t)u->created_ms, r, i);
		size_t k = 0;
		int nsyl = 2 + (int)rbelow(r, 2);
		for (int j = 0; j < nsyl; j++)
			k += (size_t)snprintf(u->username + k, sizeof u->username - k, "%s", SYL[rbelow(r, 24)]);
		if (rchance(r, 0.3))
			k += (size_t)snprintf(u->username + k, sizeof u->username - k, "_");
		if (rchance(r, 0.6))
			snprintf(u->username + k, sizeof u->username - k, "%u", rbelow(r, 10000));
		const char *last = LAST[rbelow(r, sizeof LAST / sizeof *LAST)];
		snprintf(u->name, sizeof u->name, "%s%s%s", FIRST[rbelow(r, sizeof FIRST / sizeof *FIRST)],
			 *last ? " " : "", last);
		/* follower counts are heavy-tailed: the Zipf-popular users get the big ones below */
		u->followers = (uint32_t)fmin(exp(4.5 + 1.8 * rgauss(r)), 5e7);
		u->following = (uint32_t)fmin(exp(5.5 + 1.2 * rgauss(r)), 8e4);
		u->tweets = (uint32_t)fmin(exp(7.5 + 1.8 * rgauss(r)), 2e6);
		u->listed = u->followers / (50 + rbelow(r, 200));
		u->bio = (uint16_t)rbelow(r, sizeof BIOS / sizeof *BIOS);
		u->place = (uint16_t)rbelow(r, N_PLACES + 6); /* >= N_PLACES: no location */
		u->img = (uint32_t)rnext(r);
		u->verified = rchance(r, 0.01);
	}
	/* rank 0 of the mention/retweet Zipf is the most followed */
	for (uint32_t i = 0; i < 200; i++) {
		s->users[i].followers = (uint32_t)(5e7 / (i + 1));
		s->users[i].verified = i < 60;
		s->users[i].listed = s->users[i].followers / 100;
	}
	s->tags = xcalloc(N_TAGS, sizeof *s->tags);
	for (uint32_t i = 0; i < N_TAGS; i++) {
		if (i < sizeof TOP_TAGS / sizeof *TOP_TAGS) {
			snprintf(s->tags[i], sizeof s->tags[i], "%s", TOP_TAGS[i]);
			continue;
		}
		size_t k = 0;
		int nsyl = 2 + (int)rbelow(r, 3);
		for (int j = 0; j < nsyl; j++)
			k += (size_t)snprintf(s->tags[i] + k, sizeof s->tags[i] - k, "%s", SYL[rbelow(r, 24)]);
		s->tags[i][0] = (char)(s->tags[i][0] - 'a' + 'A');
		if (rchance(r, 0.2))
			snprintf(s->tags[i] + k, sizeof s->tags[i] - k, "%u", 2020 + rbelow(r, 7));
	}
	zipf_init(&s->ztag, N_TAGS, 1.1);
	zipf_init(&s->zuser, N_USERS, 1.2);
	s->vclock = 1764547200000ULL + (seed % 86400000ULL); /* 2025-12-01 + up to a day */
	rseed(&s->brng, seed ^ 0xB0B5B0B5B0B5B0B5ULL);
	return s;
}

void tl_tweetsim_free(struct tl_tweetsim *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; i < N_USERS; i++)
		free(s->user_json[i]);
	free(s->user_json);
	free(s->user_json_len);
	free(s->users);
	free(s->tags);
	free(s->ztag.cdf);
	free(s->zuser.cdf);
	free(s);
}

/* ---- building JSON ---- */

enum { ENT_TAG, ENT_MENTION, ENT_URL };
struct ent {
	int kind;
	size_t start, end;    /* code points */
	uint32_t user;
	char text[64];        /* the tag, or the t.co URL */
	char exp[128], disp[64];
};
#define MAX_ENTS 12

struct tw {
	uint64_t id, conv;
	int64_t created_ms;
	uint32_t author;
	int lang;
	struct tl_buf text;
	size_t cps;           /* text length in code points (X's entity offsets) */
	struct ent ents[MAX_ENTS];
	int nents;
	uint32_t mentioned[4];
	int n_mentioned;
	bool photo;
	bool after_entity;    /* the text ends with an entity: a space must follow */
	uint64_t media_id;
	int place;            /* -1 none */
};

static size_t count_cps(const char *p, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += ((unsigned char)p[i] & 0xC0) != 0x80;
	return k;
}

static void text_add(struct tw *t, const char *p)
{
	size_t n = strlen(p);
	tl_buf_add(&t->text, p, n);
	t->cps += count_cps(p, n);
}

static void tw_init(struct tw *t)
{
	memset(t, 0, sizeof *t);
	tl_buf_init(&t->text, 0);
	t->place = -1;
}

static void tw_free(struct tw *t)
{
	tl_buf_release(&t->text);
}

static struct ent *new_ent(struct tw *t, int kind, size_t start)
{
	if (t->nents == MAX_ENTS)
		return NULL;
	struct ent *e = &t->ents[t->nents++];
	memset(e, 0, sizeof *e);
	e->kind = kind;
	e->start = start;
	return e;
}

static void add_mention(struct tl_tweetsim *s, struct tw *t, uint32_t u)
{
	size_t start = t->cps;
	text_add(t, "@");
	text_add(t, s->users[u].username);
	struct ent *e = new_ent(t, ENT_MENTION, start);
	if (e) {
		e->end = t->cps;
		e->user = u;
	}
	t->after_entity = true;
	if (t->n_mentioned < 4)
		t->mentioned[t->n_mentioned++] = u;
}

static void add_tco(struct tl_tweetsim *s, struct tw *t, const char *expanded, const char *display)
{
	static const char al[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	char url[40] = "https://t.co/";
	for (int i = 0; i < 10; i++)
		url[13 + i] = al[rbelow(&s->rng, 62)];
	url[23] = 0;
	size_t start = t->cps;
	text_add(t, url);
	struct ent *e = new_ent(t, ENT_URL, start);
	if (e) {
		e->end = t->cps;
		snprintf(e->text, sizeof e->text, "%s", url);
		snprintf(e->exp, sizeof e->exp, "%s", expanded);
		snprintf(e->disp, sizeof e->disp, "%s", display);
	}
}

/* Random words in the tweet's language with hashtags, mentions, links and photos mixed in. */
static void gen_text(struct tl_tweetsim *s, struct tw *t)
{
	struct rng *r = &s->rng;
	const struct lang *L = &LANGS[t->lang];
	bool spaced = strcmp(L->code, "ja") != 0 && strcmp(L->code, "th") != 0;
	int nwords = 3 + (int)rbelow(r, 16);
	int ntags = 0;
	while (ntags < 4 && rchance(r, ntags ? 0.3 : 0.32))
		ntags++;
	int nment = rchance(r, 0.12) ? 1 + (int)rbelow(r, 2) : 0;
	int tag_at = ntags ? (int)rbelow(r, (uint32_t)nwords + 1) : -1;
	for (int i = 0; i <= nwords; i++) {
		if (i == tag_at) {
			for (int j = 0; j < ntags; j++) {
				if (t->text.len)
					text_add(t, " ");
				const char *tag = s->tags[zipf_pick(&s->ztag, r)];
				size_t start = t->cps;
				text_add(t, "#");
				text_add(t, tag);
				struct ent *e = new_ent(t, ENT_TAG, start);
				if (e) {
					e->end = t->cps;
					snprintf(e->text, sizeof e->text, "%s", tag);
				}
				t->after_entity = true;
			}
		}
		if (i == 0 && nment) {
			for (int j = 0; j < nment; j++) {
				if (t->text.len)
					text_add(t, " ");
				add_mention(s, t, zipf_pick(&s->zuser, r));
			}
		}
		if (i == nwords)
			break;
		if (t->text.len && (spaced || t->after_entity || rchance(r, 0.15)))
			text_add(t, " ");
		text_add(t, L->words[rbelow(r, 24)]);
		t->after_entity = false;
	}
	if (rchance(r, 0.08)) {
		text_add(t, " ");
		char exp[96];
		snprintf(exp, sizeof exp, "https://www.example.com/%s/%u", s->tags[zipf_pick(&s->ztag, r)],
			 rbelow(r, 100000));
		add_tco(s, t, exp, exp + 8);
	}
	if (rchance(r, 0.12)) {
		t->photo = true;
		t->media_id = t->id - 1 - rbelow(r, 4000000);
		char exp[128];
		snprintf(exp, sizeof exp, "https://twitter.com/%s/status/%llu/photo/1", s->users[t->author].username,
			 (unsigned long long)t->id);
		text_add(t, " ");
		char disp[64];
		snprintf(disp, sizeof disp, "pic.twitter.com/%.10s", exp + 20);
		add_tco(s, t, exp, disp);
	}
	if (rchance(r, 0.03))
		t->place = (int)rbelow(r, N_PLACES);
}

static int pick_lang(struct tl_tweetsim *s)
{
	double u = runif(&s->rng);
	for (size_t i = 0; i < N_LANGS; i++)
		if (u < s->lang_cdf[i])
			return (int)i;
	return 0;
}

static void fmt_time(int64_t ms, char *buf, size_t n)
{
	tl_time_format(ms - ms % 1000, 1, buf, n);
}

static void render_user(struct tl_tweetsim *s, struct tl_buf *b, uint32_t ui)
{
	const struct user *u = &s->users[ui];
	char ct[40];
	fmt_time(u->created_ms, ct, sizeof ct);
	tl_buf_addf(b, "{\"id\":\"%llu\",\"name\":", (unsigned long long)u->id);
	tl_buf_add_json_str(b, u->name, strlen(u->name));
	tl_buf_addf(b, ",\"username\":\"%s\",\"created_at\":\"%s\",\"description\":", u->username, ct);
	tl_buf_add_json_str(b, BIOS[u->bio], strlen(BIOS[u->bio]));
	if (u->place < N_PLACES) {
		tl_buf_adds(b, ",\"location\":");
		tl_buf_add_json_str(b, PLACES[u->place].name, strlen(PLACES[u->place].name));
	}
	tl_buf_addf(b, ",\"profile_image_url\":\"https://pbs.twimg.com/profile_images/%llu/%08x_normal.jpg\","
		       "\"protected\":false,\"public_metrics\":{\"followers_count\":%u,\"following_count\":%u,"
		       "\"tweet_count\":%u,\"listed_count\":%u},\"verified\":%s}",
		    (unsigned long long)(u->id + 7), u->img, u->followers, u->following, u->tweets, u->listed,
		    u->verified ? "true" : "false");
}

static void emit_user(struct tl_tweetsim *s, struct tl_buf *b, uint32_t ui)
{
	if (!s->user_json[ui]) {
		struct tl_buf r;
		tl_buf_init(&r, 0);
		render_user(s, &r, ui);
		s->user_json[ui] = tl_buf_detach(&r, &s->user_json_len[ui]);
	}
	tl_buf_add(b, s->user_json[ui], s->user_json_len[ui]);
}

static void emit_metrics(struct tl_buf *b, struct rng *r, bool fresh)
{
	uint32_t rt = 0, rep = 0, like = 0, q = 0, imp = 0;
	if (!fresh) {
		double pop = exp(2 + 2.2 * rgauss(r));
		rt = (uint32_t)fmin(pop, 1e6);
		like = (uint32_t)fmin(pop * (2 + runif(r) * 4), 5e6);
		rep = (uint32_t)(pop * runif(r) * 0.3);
		q = (uint32_t)(pop * runif(r) * 0.1);
		imp = (uint32_t)fmin(like * (30 + runif(r) * 80), 4e9);
	}
	tl_buf_addf(b, "\"public_metrics\":{\"retweet_count\":%u,\"reply_count\":%u,\"like_count\":%u,"
		       "\"quote_count\":%u,\"bookmark_count\":%u,\"impression_count\":%u}",
		    rt, rep, like, q, like / 20, imp);
}

/* One tweet object. ref: referenced_tweets element text ("" for none). */
static void emit_tweet(struct tl_tweetsim *s, struct tl_buf *b, const struct tw *t, const char *ref,
		       int64_t reply_user, bool fresh)
{
	struct rng *r = &s->rng;
	char ct[40];
	fmt_time(t->created_ms, ct, sizeof ct);
	tl_buf_addf(b, "{\"id\":\"%llu\",\"text\":", (unsigned long long)t->id);
	tl_buf_add_json_str(b, t->text.data ? t->text.data : "", t->text.len);
	tl_buf_addf(b, ",\"edit_history_tweet_ids\":[\"%llu\"],\"author_id\":\"%llu\",\"conversation_id\":\"%llu\","
		       "\"created_at\":\"%s\",\"lang\":\"%s\",\"source\":\"%s\",\"reply_settings\":\"everyone\","
		       "\"possibly_sensitive\":%s,",
		    (unsigned long long)t->id, (unsigned long long)s->users[t->author].id,
		    (unsigned long long)t->conv, ct, LANGS[t->lang].code, SOURCES[rbelow(r, 7)],
		    rchance(r, 0.01) ? "true" : "false");
	if (reply_user >= 0)
		tl_buf_addf(b, "\"in_reply_to_user_id\":\"%llu\",", (unsigned long long)s->users[reply_user].id);
	if (*ref)
		tl_buf_addf(b, "\"referenced_tweets\":[%s],", ref);
	if (t->photo)
		tl_buf_addf(b, "\"attachments\":{\"media_keys\":[\"3_%llu\"]},", (unsigned long long)t->media_id);
	if (t->place >= 0)
		tl_buf_addf(b, "\"geo\":{\"place_id\":\"%016llx\"},",
			    (unsigned long long)(0x9e3779b97f4a7c15ULL * (uint64_t)(t->place + 1)));
	if (t->nents) {
		static const char *names[] = { "hashtags", "mentions", "urls" };
		tl_buf_adds(b, "\"entities\":{");
		bool first_kind = true;
		for (int k = 0; k < 3; k++) {
			bool first = true;
			for (int i = 0; i < t->nents; i++) {
				const struct ent *e = &t->ents[i];
				if (e->kind != k)
					continue;
				if (first)
					tl_buf_addf(b, "%s\"%s\":[", first_kind ? "" : ",", names[k]);
				else
					tl_buf_addc(b, ',');
				first = first_kind = false;
				tl_buf_addf(b, "{\"start\":%zu,\"end\":%zu,", e->start, e->end);
				if (k == ENT_TAG)
					tl_buf_addf(b, "\"tag\":\"%s\"}", e->text);
				else if (k == ENT_MENTION)
					tl_buf_addf(b, "\"username\":\"%s\",\"id\":\"%llu\"}", s->users[e->user].username,
						    (unsigned long long)s->users[e->user].id);
				else
					tl_buf_addf(b, "\"url\":\"%s\",\"expanded_url\":\"%s\",\"display_url\":\"%s\"}",
						    e->text, e->exp, e->disp);
			}
			if (!first)
				tl_buf_addc(b, ']');
		}
		tl_buf_adds(b, "},");
	}
	emit_metrics(b, r, fresh);
	tl_buf_addc(b, '}');
}

static void emit_media(struct tl_buf *b, const struct tw *t, struct rng *r)
{
	static const int dims[][2] = { { 1200, 675 }, { 1080, 1080 }, { 1536, 2048 }, { 2048, 1536 }, { 680, 680 } };
	int d = (int)rbelow(r, 5);
	static const char al[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
	char name[16];
	for (int i = 0; i < 15; i++)
		name[i] = al[rbelow(r, 64)];
	name[15] = 0;
	tl_buf_addf(b, "{\"media_key\":\"3_%llu\",\"type\":\"photo\",\"url\":\"https://pbs.twimg.com/media/%s.jpg\","
		       "\"width\":%d,\"height\":%d}",
		    (unsigned long long)t->media_id, name, dims[d][0], dims[d][1]);
}

static void emit_place(struct tl_buf *b, int p)
{
	const struct place *pl = &PLACES[p];
	tl_buf_addf(b, "{\"full_name\":\"%s, %s\",\"id\":\"%016llx\",\"country\":\"%s\",\"country_code\":\"%s\","
		       "\"name\":\"%s\",\"place_type\":\"city\",\"geo\":{\"type\":\"Feature\",\"bbox\":[%.4f,%.4f,%.4f,%.4f],"
		       "\"properties\":{}}}",
		    pl->name, pl->country, (unsigned long long)(0x9e3779b97f4a7c15ULL * (uint64_t)(p + 1)), pl->country,
		    pl->cc, pl->name, pl->lon - 0.3, pl->lat - 0.2, pl->lon + 0.3, pl->lat + 0.2);
}

static uint64_t next_id(struct tl_tweetsim *s)
{
	s->vclock += 1 + rbelow(&s->rng, 40);
	return snowflake(s->vclock, &s->rng, s->seq++);
}

/* ---- planted bursts ---- */

/* A duration in minutes, or with a unit tl_parse_duration_ms knows. */
static int minutes(const char *s, size_t n, int64_t *ms)
{
	char buf[32];
	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = 0;
	double v;
	if (tl_parse_double(buf, &v) == 0) {
		if (v < 0 || v > 1e7)
			return -1;
		*ms = (int64_t)(v * 60000.0 + 0.5);
		return 0;
	}
	return tl_parse_duration_ms(buf, ms) == 0 && *ms >= 0 ? 0 : -1;
}

int tl_tweetsim_burst_parse(const char *spec, struct tl_tweetsim_burst *b, const char **why)
{
	memset(b, 0, sizeof *b);
	const char *at = strrchr(spec, '@');
	if (!at) {
		*why = "expected TAG@START+LENGTH*SHARE";
		return -1;
	}
	const char *tag = spec[0] == '#' ? spec + 1 : spec;
	size_t tl = (size_t)(at - tag);
	if (at < tag || tl == 0 || tl >= sizeof b->tag) {
		*why = "the tag must be 1 to 63 bytes";
		return -1;
	}
	for (size_t i = 0; i < tl;) {
		unsigned char c = (unsigned char)tag[i];
		size_t k = tl_utf8_seq((const unsigned char *)tag + i, tl - i);
		if (!k || (c < 0x80 && !(c == '_' || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')))) {
			*why = "the tag may hold letters, digits and _ only";
			return -1;
		}
		i += k;
	}
	memcpy(b->tag, tag, tl);
	const char *plus = strchr(at, '+'), *star = plus ? strchr(plus, '*') : NULL;
	if (!plus || !star) {
		*why = "expected TAG@START+LENGTH*SHARE";
		return -1;
	}
	if (minutes(at + 1, (size_t)(plus - at - 1), &b->start_ms) < 0 ||
	    minutes(plus + 1, (size_t)(star - plus - 1), &b->len_ms) < 0 || b->len_ms <= 0) {
		*why = "START and LENGTH are minutes (2.5) or durations (90s, 1h); LENGTH above 0";
		return -1;
	}
	char sh[32];
	size_t sn = strlen(star + 1);
	bool pct = sn > 0 && star[sn] == '%';
	if (pct)
		sn--;
	if (sn == 0 || sn >= sizeof sh) {
		*why = "SHARE is a fraction (0.05) or a percentage (5%)";
		return -1;
	}
	memcpy(sh, star + 1, sn);
	sh[sn] = 0;
	if (tl_parse_double(sh, &b->share) == 0 && pct)
		b->share /= 100;
	if (!(b->share > 0 && b->share <= 1)) {
		*why = "SHARE is a fraction (0.05) or a percentage (5%) above 0, at most 1";
		return -1;
	}
	return 0;
}

int tl_tweetsim_add_burst(struct tl_tweetsim *s, const struct tl_tweetsim_burst *b, int64_t origin_ms)
{
	if (s->nbursts >= TL_TWEETSIM_BURSTS)
		return -1;
	s->bursts[s->nbursts] = *b;
	s->burst_origin[s->nbursts++] = origin_ms;
	return 0;
}

/* The share of burst i at time t: a trapezoid. */
static double burst_share(const struct tl_tweetsim *s, int i, int64_t t)
{
	const struct tl_tweetsim_burst *b = &s->bursts[i];
	double x = (double)(t - s->burst_origin[i] - b->start_ms) / (double)b->len_ms;
	if (x < 0 || x >= 1)
		return 0;
	if (x < 0.2)
		return b->share * x / 0.2;
	if (x < 0.6)
		return b->share;
	return b->share * (1 - x) / 0.4;
}

static void plant_bursts(struct tl_tweetsim *s, struct tw *t)
{
	for (int i = 0; i < s->nbursts; i++) {
		double p = burst_share(s, i, t->created_ms);
		if (p <= 0 || !rchance(&s->brng, p))
			continue;
		text_add(t, " ");
		size_t start = t->cps;
		text_add(t, "#");
		text_add(t, s->bursts[i].tag);
		struct ent *e = new_ent(t, ENT_TAG, start);
		if (e) {
			e->end = t->cps;
			snprintf(e->text, sizeof e->text, "%s", s->bursts[i].tag);
		}
	}
}

int tl_tweetsim_next(struct tl_tweetsim *s, int64_t now_ms, struct tl_buf *out)
{
	struct rng *r = &s->rng;
	size_t mark = out->len;
	struct tw t, ref;
	tw_init(&t);
	tw_init(&ref);
	t.id = next_id(s);
	t.conv = t.id;
	t.created_ms = now_ms - rbelow(r, 1500);
	t.author = rbelow(r, N_USERS);
	double kind = runif(r);
	int type = kind < 0.45 ? 1 : kind < 0.63 ? 2 : kind < 0.70 ? 3 : 0; /* rt, reply, quote, original */
	char refs[96] = "";
	int64_t reply_user = -1;

	if (type) {
		ref.author = type == 2 ? (rchance(r, 0.5) ? zipf_pick(&s->zuser, r) : rbelow(r, N_USERS))
				       : zipf_pick(&s->zuser, r);
		if (ref.author == t.author)
			ref.author = (ref.author + 1) % N_USERS;
		ref.lang = pick_lang(s);
		/* older: seconds to days before */
		int64_t age = (int64_t)(fmin(exp(9 + 2.5 * rgauss(r)), 6e8));
		ref.created_ms = t.created_ms - 1000 - age;
		ref.id = snowflake(s->vclock - 1000 - (uint64_t)age, r, s->seq++);
		ref.conv = rchance(r, 0.8) ? ref.id : ref.id - 1 - rbelow(r, 1u << 30);
		gen_text(s, &ref);
		snprintf(refs, sizeof refs, "{\"type\":\"%s\",\"id\":\"%llu\"}",
			 type == 1 ? "retweeted" : type == 2 ? "replied_to" : "quoted", (unsigned long long)ref.id);
	}
	if (type == 1) {
		/* "RT @user: text": the mention first, then the original's entities shifted */
		t.lang = ref.lang;
		text_add(&t, "RT ");
		add_mention(s, &t, ref.author);
		text_add(&t, ": ");
		size_t shift = t.cps;
		tl_buf_add(&t.text, ref.text.data, ref.text.len);
		t.cps += ref.cps;
		for (int k = 0; k < ref.nents && t.nents < MAX_ENTS; k++) {
			t.ents[t.nents] = ref.ents[k];
			t.ents[t.nents].start += shift;
			t.ents[t.nents].end += shift;
			t.nents++;
		}
		for (int k = 0; k < ref.n_mentioned && t.n_mentioned < 4; k++)
			t.mentioned[t.n_mentioned++] = ref.mentioned[k];
		t.photo = ref.photo;
		t.media_id = ref.media_id;
	} else {
		t.lang = type ? ref.lang : pick_lang(s);
		if (type == 2) {
			t.conv = ref.conv;
			reply_user = ref.author;
			add_mention(s, &t, ref.author);
		}
		gen_text(s, &t);
		if (type == 3) {
			char exp[128], disp[64];
			snprintf(exp, sizeof exp, "https://twitter.com/%s/status/%llu", s->users[ref.author].username,
				 (unsigned long long)ref.id);
			snprintf(disp, sizeof disp, "twitter.com/%.18s\xe2\x80\xa6", exp + 20);
			text_add(&t, " ");
			add_tco(s, &t, exp, disp);
		}
	}

	if (s->nbursts)
		plant_bursts(s, &t);
	tl_buf_adds(out, "{\"data\":");
	emit_tweet(s, out, &t, refs, reply_user, true);
	tl_buf_adds(out, ",\"includes\":{\"users\":[");
	uint32_t listed[12];
	int nl = 0;
	uint32_t cand[12];
	int nc = 0;
	cand[nc++] = t.author;
	if (type)
		cand[nc++] = ref.author;
	for (int k = 0; k < t.n_mentioned; k++)
		cand[nc++] = t.mentioned[k];
	for (int k = 0; k < ref.n_mentioned && nc < 12; k++)
		cand[nc++] = ref.mentioned[k];
	for (int k = 0; k < nc; k++) {
		bool dup = false;
		for (int j = 0; j < nl; j++)
			dup |= listed[j] == cand[k];
		if (dup)
			continue;
		if (nl)
			tl_buf_addc(out, ',');
		emit_user(s, out, cand[k]);
		listed[nl++] = cand[k];
	}
	tl_buf_adds(out, "]");
	if (type) {
		tl_buf_adds(out, ",\"tweets\":[");
		emit_tweet(s, out, &ref, "", -1, false);
		tl_buf_adds(out, "]");
	}
	if (t.photo || ref.photo) {
		tl_buf_adds(out, ",\"media\":[");
		if (t.photo)
			emit_media(out, &t, r);
		if (ref.photo && !(t.photo && t.media_id == ref.media_id)) {
			if (t.photo)
				tl_buf_addc(out, ',');
			emit_media(out, &ref, r);
		}
		tl_buf_adds(out, "]");
	}
	if (t.place >= 0 || ref.place >= 0) {
		tl_buf_adds(out, ",\"places\":[");
		if (t.place >= 0)
			emit_place(out, t.place);
		if (ref.place >= 0 && ref.place != t.place) {
			if (t.place >= 0)
				tl_buf_addc(out, ',');
			emit_place(out, ref.place);
		}
		tl_buf_adds(out, "]");
	}
	int rule = (int)rbelow(r, 3);
	tl_buf_addf(out, "},\"matching_rules\":[{\"id\":\"%s\",\"tag\":\"%s\"}", RULE_IDS[rule], RULE_TAGS[rule]);
	if (rchance(r, 0.1)) {
		int r2 = (rule + 1) % 3;
		tl_buf_addf(out, ",{\"id\":\"%s\",\"tag\":\"%s\"}", RULE_IDS[r2], RULE_TAGS[r2]);
	}
	int rc = tl_buf_adds(out, "]}");
	tw_free(&t);
	tw_free(&ref);
	if (rc < 0) {
		tl_buf_truncate(out, mark);
		return -1;
	}
	return 0;
}
