#include "core/template.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

static const struct template_var vars[] = {
	{"order.number", "#1042"},
	{"customer.first_name", "Ayşe"},
	{"store.name", "Kedi & <Köpek>"},
	{"empty", ""},
	{"none", NULL},
};
#define N_VARS (sizeof(vars) / sizeof(vars[0]))

/* The render of tpl, in a static buffer; the report in *rep when given. */
static const char *render(const char *tpl, unsigned flags, struct template_report *rep)
{
	static char out[4096];
	struct buf b;

	buf_init(&b, 0);
	template_render(&b, tpl, vars, N_VARS, flags, rep);
	snprintf(out, sizeof(out), "%s", b.p ? b.p : "");
	buf_release(&b);
	return out;
}

static void test_placeholders(void)
{
	struct template_report rep;

	CHECK_STR(render("Hi {{customer.first_name}}, order {{order.number}}.", 0, &rep),
		  "Hi Ayşe, order #1042.");
	CHECK(rep.unknown == 0 && rep.first_unknown == NULL && !rep.truncated);
	CHECK_STR(render("{{order.number}}{{order.number}}", 0, NULL), "#1042#1042");
	CHECK_STR(render("[{{empty}}][{{none}}]", 0, &rep), "[][]");
	CHECK(rep.unknown == 0);
	CHECK_STR(render("no placeholders at all", 0, NULL), "no placeholders at all");
}

static void test_spaces(void)
{
	CHECK_STR(render("{{ order.number }}|{{order.number  }}|{{\torder.number\t}}", 0, NULL),
		  "#1042|#1042|#1042");
	/* a space inside the name makes it text */
	CHECK_STR(render("{{order. number}}", 0, NULL), "{{order. number}}");
	CHECK_STR(render("{{ }}", 0, NULL), "{{ }}");
}

static void test_unknown(void)
{
	struct template_report rep;

	CHECK_STR(render("a{{agent.name}}b{{ order.numbr }}c", 0, &rep), "abc");
	CHECK(rep.unknown == 2);
	CHECK(rep.first_unknown && rep.first_unknown_len == 10 &&
	      !memcmp(rep.first_unknown, "agent.name", 10));
	CHECK_STR(render("a{{agent.name}}b{{ order.numbr }}c", TEMPLATE_KEEP_UNKNOWN, &rep),
		  "a{{agent.name}}b{{ order.numbr }}c");
	CHECK(rep.unknown == 2);
}

static void test_unclosed(void)
{
	struct template_report rep;

	CHECK_STR(render("Hi {{customer.first_name", 0, &rep), "Hi {{customer.first_name");
	CHECK(rep.unknown == 0);
	CHECK_STR(render("{{", 0, NULL), "{{");
	CHECK_STR(render("{", 0, NULL), "{");
	CHECK_STR(render("}}{{order.number}", 0, NULL), "}}{{order.number}");
	CHECK_STR(render("{{{order.number}}}", 0, NULL), "{#1042}");
	CHECK_STR(render("{{a{{order.number}}", 0, NULL), "{{a#1042");
	CHECK_STR(render("{{order.number}} {{", 0, NULL), "#1042 {{");
}

static void test_html_escaping(void)
{
	static const struct template_var evil[] = {{"v", "<script>\"x\" & 'y'</script>"}};
	struct buf b;

	CHECK_STR(render("<b>{{store.name}}</b>", TEMPLATE_HTML, NULL),
		  "<b>Kedi &amp; &lt;Köpek&gt;</b>");
	CHECK_STR(render("<b>{{store.name}}</b>", 0, NULL), "<b>Kedi & <Köpek></b>");
	buf_init(&b, 0);
	template_render(&b, "<p title=\"{{v}}\">", evil, 1, TEMPLATE_HTML, NULL);
	CHECK_STR(b.p,
		  "<p title=\"&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;\">");
	buf_release(&b);
}

static void test_multibyte(void)
{
	static const struct template_var v[] = {
		{"ko", "김민준 님"},
		{"ja", "山田太郎様"},
		{"tr", "İstanbul'da ığüşöç"},
		{"emoji", "🚚📦"},
	};
	struct buf b;

	buf_init(&b, 0);
	template_render(&b, "{{ko}}/{{ja}}/{{tr}}/{{emoji}}", v, 4, TEMPLATE_HTML, NULL);
	CHECK_STR(b.p, "김민준 님/山田太郎様/İstanbul&#39;da ığüşöç/🚚📦");
	buf_release(&b);

	/* a small maximum cuts between characters, never inside one */
	for (size_t max = 1; max < 40; max++) {
		struct template_report rep;

		buf_init(&b, max);
		template_render(&b, "x{{ja}}{{emoji}}", v, 4, 0, &rep);
		CHECK(b.len <= max);
		CHECK(rep.truncated == (max < strlen("x山田太郎様🚚📦")));
		/* what is there is a prefix of whole characters */
		CHECK(!memcmp(b.p ? b.p : "", "x山田太郎様🚚📦", b.len));
		CHECK(strchr("\x01\x04\x07\x0a\x0d\x10\x14\x18", (int)b.len));
		buf_release(&b);
	}
	/* nor inside an entity */
	buf_init(&b, 7);
	template_render(&b, "{{store.name}}", vars, N_VARS, TEMPLATE_HTML, NULL);
	CHECK_STR(b.p, "Kedi ");
	buf_release(&b);
}

static void test_empty_template(void)
{
	struct template_report rep;
	struct arena a;

	CHECK_STR(render("", 0, &rep), "");
	CHECK(rep.unknown == 0 && !rep.truncated);
	arena_init(&a);
	CHECK_STR(template_render_str(&a, NULL, vars, N_VARS, 0, NULL), "");
	CHECK_STR(template_render_str(&a, "{{order.number}}", NULL, 0, 0, NULL), "");
	arena_release(&a);
}

static void test_long_values(void)
{
	size_t n = 1 << 20;
	char *big = malloc(n + 1);
	struct template_var v[] = {{"big", big}};
	struct arena a;
	char *out;

	for (size_t i = 0; i < n; i++)
		big[i] = "<a&b>"[i % 5];
	big[n] = '\0';
	arena_init(&a);
	out = template_render_str(&a, "[{{big}}][{{ big }}]", v, 1, 0, NULL);
	CHECK(strlen(out) == 2 * n + 4);
	CHECK(out[0] == '[' && !memcmp(out + 1, big, n) && out[n + 1] == ']');
	out = template_render_str(&a, "{{big}}", v, 1, TEMPLATE_HTML, NULL);
	/* per 5 input bytes: &lt; a &amp; b &gt; */
	CHECK(strlen(out) == n / 5 * 15 + strlen("&lt;"));
	CHECK(!strchr(out, '<') && !strchr(out, '>'));
	arena_release(&a);
	free(big);
}

static void test_first_name(void)
{
	static const struct {
		const char *name, *first;
	} cases[] = {
		{"Taro Yamada", "Taro"},
		{"Ayşe Yılmaz", "Ayşe"},
		{"Madonna", "Madonna"},
		{"", ""},
		{"山田 太郎", "山田 太郎"},
		{"김 민준", "김 민준"},
		{"やまだ たろう", "やまだ たろう"},
		{"王 小明", "王 小明"},
		{"Émile Zola", "Émile"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = template_first_name(cases[i].name);

		CHECK(n == strlen(cases[i].first) && !memcmp(cases[i].name, cases[i].first, n));
	}
}

UNIT_MAIN(UNIT_TEST(test_placeholders), UNIT_TEST(test_spaces), UNIT_TEST(test_unknown),
	  UNIT_TEST(test_unclosed), UNIT_TEST(test_html_escaping), UNIT_TEST(test_multibyte),
	  UNIT_TEST(test_empty_template), UNIT_TEST(test_long_values), UNIT_TEST(test_first_name))
