/*
 * demo.c - `deskd demo`: realistic demo data for a first look, seeded once.
 */
#include "cli/cli.h"
#include "core/auth.h"
#include "store/store.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { EN, KO, JA, TR, N_LANGS };

static const char *const first_names[N_LANGS][8] = {
	{ "Emma", "Liam", "Olivia", "Noah", "Ava", "James", "Mia", "Lucas" },
	{ "민준", "서연", "지호", "하은", "도윤", "수아", "예준", "지우" },
	{ "陽翔", "結衣", "蓮", "陽菜", "湊", "凛", "大和", "葵" },
	{ "Ayşe", "Mehmet", "Zeynep", "Emir", "Elif", "Yusuf", "İrem", "Ömer" },
};

static const char *const last_names[N_LANGS][6] = {
	{ "Smith", "Johnson", "Brown", "Garcia", "Miller", "Davis" },
	{ "김", "이", "박", "최", "정", "강" },
	{ "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺" },
	{ "Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Öztürk" },
};

static const char *const mail_domains[N_LANGS] = { "example.com", "example.kr", "example.jp",
						   "example.com.tr" };

/* subject, first message, agent reply, customer follow-up; one row per topic */
static const char *const topics[N_LANGS][5][4] = {
	{ { "Where is my order?", "Hi, I ordered a rain jacket nine days ago and the tracking page has not changed since it left the warehouse. Can you check where it is?", "Thanks for your patience! The parcel is with the carrier and should arrive within two days.", "It arrived today, thank you!" },
	  { "Refund for a damaged item", "The ceramic mug in my order arrived broken. I attached a photo. I would like a refund please.", "I'm sorry about that. I've issued a full refund to your card; it shows in 3-5 business days.", "Thanks, I see the refund pending." },
	  { "Change my shipping address", "I just placed an order but used my old address. Can you send it to my new apartment instead?", "No problem, I've updated the address before the order was packed.", "Perfect, thank you." },
	  { "Wrong size delivered", "I ordered the sneakers in size 42 but received size 40. How do I exchange them?", "I've created a free return label and reserved a size 42 for you.", "Label printed, sending it tomorrow." },
	  { "Discount code not working", "The code WELCOME10 from your newsletter says it is invalid at checkout.", "The code works on full-price items only; I've applied the discount manually to your order.", "Great, thanks for the quick help." } },
	{ { "주문한 상품이 아직 도착하지 않았어요", "안녕하세요, 일주일 전에 주문한 운동화의 배송조회가 계속 같은 상태입니다. 확인 부탁드립니다.", "기다려 주셔서 감사합니다. 택배사에 확인한 결과 내일 도착 예정입니다.", "오늘 받았어요. 감사합니다!" },
	  { "환불 요청드립니다", "받은 컵이 깨져서 왔어요. 사진 첨부합니다. 환불 부탁드립니다.", "불편을 드려 죄송합니다. 카드로 전액 환불 처리해 드렸습니다.", "확인했습니다. 감사합니다." },
	  { "배송지 변경 가능할까요?", "방금 주문했는데 예전 주소로 입력했어요. 새 주소로 배송지 변경 가능할까요?", "포장 전이라 새 주소로 변경해 드렸습니다.", "감사합니다!" },
	  { "사이즈 교환 문의", "270 사이즈를 주문했는데 260이 왔어요. 교환은 어떻게 하나요?", "무료 반품 라벨을 보내드렸고 270 사이즈를 따로 확보해 두었습니다.", "내일 보내겠습니다." },
	  { "쿠폰이 적용되지 않아요", "뉴스레터에서 받은 쿠폰 코드가 결제할 때 유효하지 않다고 나옵니다.", "정상가 상품에만 적용되는 쿠폰이라 주문에 직접 할인을 적용해 드렸습니다.", "빠른 답변 감사합니다." } },
	{ { "注文した商品がまだ届きません", "こんにちは。十日前に注文したレインコートの配送状況が倉庫を出てから変わっていません。確認をお願いします。", "お待たせして申し訳ありません。配送業者に確認したところ、明後日に到着予定です。", "本日届きました。ありがとうございます。" },
	  { "返品・返金について", "届いたマグカップが割れていました。写真を添付します。返金をお願いします。", "ご迷惑をおかけしました。全額返金の手続きを行いました。", "確認しました。ありがとうございます。" },
	  { "配送先住所を変更したい", "先ほど注文しましたが、旧住所のままでした。新しい住所に配送先を変更できますか？", "梱包前でしたので、新しい住所に変更いたしました。", "助かりました。" },
	  { "サイズ交換のお願い", "27cmを注文しましたが26cmが届きました。交換方法を教えてください。", "返品用の送り状をお送りし、27cmを確保しました。", "明日発送します。" },
	  { "クーポンが使えません", "メールマガジンのクーポンコードが決済時に無効と表示されます。", "定価商品のみ対象のクーポンのため、手動で割引を適用しました。", "ありがとうございます。" } },
	{ { "Siparişim nerede?", "Merhaba, dokuz gün önce verdiğim yağmurluk siparişinin kargo takibi depodan çıktığından beri değişmedi. Kontrol edebilir misiniz?", "Sabrınız için teşekkürler! Kargo firmasında, iki gün içinde teslim edilecek.", "Bugün geldi, teşekkürler!" },
	  { "Hasarlı ürün için iade", "Siparişimdeki seramik kupa kırık geldi. Fotoğraf ekledim. İade istiyorum.", "Çok üzgünüz. Kartınıza tam iade yapıldı, 3-5 iş günü içinde görünecek.", "İadeyi gördüm, teşekkürler." },
	  { "Teslimat adresini değiştirmek istiyorum", "Az önce sipariş verdim ama eski adresimi yazdım. Yeni adresime gönderebilir misiniz?", "Sipariş paketlenmeden adresinizi güncelledik.", "Harika, teşekkürler." },
	  { "Yanlış beden gönderildi", "42 numara ayakkabı sipariş ettim ama 40 numara geldi. Nasıl değiştirebilirim?", "Ücretsiz iade etiketi oluşturduk ve sizin için 42 numarayı ayırdık.", "Etiketi yazdırdım, yarın gönderiyorum." },
	  { "İndirim kodu çalışmıyor", "Bültendeki İNDİRİM10 kodu ödeme sırasında geçersiz diyor.", "Kod yalnızca indirimsiz ürünlerde geçerli; indirimi siparişinize elle uyguladık.", "Hızlı yardım için teşekkürler." } },
};

static const char *const topic_tags[5] = { "wismo", "refund", "address-change", "exchange",
					   "discount" };
static const char *const lang_tags[N_LANGS] = { "lang-en", "lang-ko", "lang-ja", "lang-tr" };
static const char *const channels[] = { "email", "email", "chat", "web", "api" };
static const char *const final_status[] = { "new", "open", "open", "pending", "on-hold",
					    "solved", "solved", "closed" };
static const char *const priorities[] = { "normal", "normal", "normal", "low", "high", "urgent" };

static unsigned long long rng = 0x2545F4914F6CDD1Dull;

static unsigned pick(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static const char *const agents[][3] = {
	{ "admin@example.com", "Ada Admin", "admin" },
	{ "jisoo@example.com", "Park Jisoo", "agent" },
	{ "haruto@example.com", "Sato Haruto", "agent" },
	{ "elif@example.com", "Elif Aydın", "agent" },
	{ "sam@example.com", "Sam Carter", "agent" },
};
#define N_AGENTS (int)(sizeof(agents) / sizeof(agents[0]))

static int add_agents(struct store *st, const char *admin_password, int64_t ids[], struct arena *a)
{
	for (int i = 0; i < N_AGENTS; i++) {
		char *password = i ? auth_random_token("") : xstrdup(admin_password);
		char *hash = auth_password_hash(password);
		struct error err;
		struct user u;
		enum err_code rc = hash ? store_user_create(st, agents[i][0], agents[i][1],
							    agents[i][2], hash, &u, a, &err)
					: E_INTERNAL;

		free(password);
		free(hash);
		if (rc) {
			log_error("demo: %s", rc == E_INTERNAL ? "cannot hash" : err.message);
			return -1;
		}
		ids[i] = u.id;
	}
	return 0;
}

static int add_ticket(struct store *st, int n, const int64_t agent_ids[], struct arena *a)
{
	/* customer `who` keeps the same language on every ticket */
	int who = n % 200, lang = who % N_LANGS, topic = pick(5);
	const char *status = final_status[pick(8)];
	const char *tags[] = { topic_tags[topic], lang_tags[lang], pick(4) ? "demo" : "vip" };
	char email[128], name[128];
	struct ticket_new tn = { 0 };
	struct ticket t;
	struct message m;
	struct error err;
	const char *replay;
	int replay_status;

	snprintf(email, sizeof(email), "shopper%03d@%s", who, mail_domains[lang]);
	snprintf(name, sizeof(name), lang == EN || lang == TR ? "%s %s" : "%2$s%1$s",
		 first_names[lang][who % 8], last_names[lang][(who / 8) % 6]);
	/* tickets arrive over the last 30 days; answers come minutes to hours later */
	int64_t age = (int64_t)(1000 - n) * 2592 * 1000000 + (int64_t)pick(3600) * 1000000;

	time_set_offset(-age);
	tn = (struct ticket_new){ .subject = topics[lang][topic][0], .body = topics[lang][topic][1],
				  .channel = channels[pick(5)], .priority = priorities[pick(6)],
				  .status = "new", .customer_email = email, .customer_name = name,
				  .tags = tags, .n_tags = 3, .actor_id = agent_ids[0] };
	if (store_ticket_create(st, &tn, &t, &replay, &replay_status, a, &err))
		goto fail;
	if (!strcmp(status, "new"))
		return 0;
	int64_t agent = agent_ids[1 + (lang + pick(2)) % (N_AGENTS - 1)];
	struct ticket_change assign = { .set_assignee = 1, .assignee_id = agent, .actor_id = agent };
	struct message_new note = { .ticket_id = t.id, .actor_id = agent, .kind = "note",
				    .direction = "outbound", .author_type = "agent",
				    .body = "Checked the order in the shop admin; details below." };
	struct message_new reply = { .ticket_id = t.id, .actor_id = agent, .kind = "reply",
				     .direction = "outbound", .author_type = "agent",
				     .body = topics[lang][topic][2] };
	struct message_new answer = { .ticket_id = t.id, .actor_id = t.customer_id, .kind = "reply",
				      .direction = "inbound", .author_type = "customer",
				      .body = topics[lang][topic][3] };
	struct ticket_change finish = { .status = status, .actor_id = agent };

	int64_t answered = -age + (int64_t)(5 + pick(240)) * 60 * 1000000;

	time_set_offset(answered < 0 ? answered : 0); /* never in the future */
	if (store_ticket_update(st, t.id, &assign, &t, a, &err) ||
	    (pick(3) == 0 && store_message_create(st, &note, &m, a, &err)) ||
	    store_message_create(st, &reply, &m, a, &err) ||
	    (pick(2) && store_message_create(st, &answer, &m, a, &err)) ||
	    (strcmp(status, "open") && store_ticket_update(st, t.id, &finish, &t, a, &err)))
		goto fail;
	return 0;
fail:
	log_error("demo: %s", err.message);
	return -1;
}

int demo_seed(struct store *st, const char *admin_password)
{
	int64_t agent_ids[N_AGENTS];
	struct arena a;
	int rc = 0;

	arena_init(&a);
	if (add_agents(st, admin_password, agent_ids, &a))
		rc = -1;
	for (int n = 0; !rc && n < 1000; n++) {
		rc = add_ticket(st, n, agent_ids, &a);
		if (n % 100 == 99) {
			arena_release(&a);
			arena_init(&a);
		}
	}
	time_set_offset(0);
	arena_release(&a);
	return rc;
}

int cli_demo(int argc, char **argv, const struct cli_options *o)
{
	char path[4200], password[128] = "";
	struct store *st = cli_open_store(o);
	struct arena a;
	struct error err;
	user_list users = { 0 };
	FILE *f;

	(void)argc;
	(void)argv;
	arena_init(&a);
	snprintf(path, sizeof(path), "%s/demo-login.txt", o->data);
	if (store_user_list(st, &users, &a, &err))
		die("%s", err.message);
	if (users.n == 0) {
		char *generated = auth_random_token("");

		snprintf(password, sizeof(password), "%.16s", generated);
		free(generated);
		fprintf(stderr, "deskd: seeding demo data (1,000 tickets)...\n");
		if (demo_seed(st, password))
			die("demo data could not be seeded");
		umask(077);
		f = fopen(path, "w");
		if (f) {
			fprintf(f, "%s\n", password);
			fclose(f);
		}
	} else if ((f = fopen(path, "r"))) {
		if (fgets(password, sizeof(password), f))
			password[strcspn(password, "\n")] = '\0';
		fclose(f);
	}
	printf("\n  deskd demo: log in as %s with password %s\n\n", agents[0][0],
	       *password ? password : "(the one set when this database was made)");
	arena_release(&a);
	store_free(st);
	return 0;
}
