/* tl_terms_stop.h: the stop-word lists of tl_terms (included by tl_terms.c only).
 *
 * Short lists of the most frequent function words of each language, written for this project
 * (in the spirit of the Snowball and NLTK lists), already case-folded. Trend detection compares
 * each term with its own baseline, so a stop word that slips through never trends; the lists
 * keep the top-terms tables and the phrases readable and the memory for real terms.
 * "*" applies to every tweet: Twitter's own noise ("rt", "via") and URL debris.
 */
#ifndef TL_TERMS_STOP_H
#define TL_TERMS_STOP_H

struct stop_list {
	const char *langs; /* X's language codes, space-separated */
	const char *words; /* space-separated */
};

static const struct stop_list STOP_LISTS[] = {
	{ "*", "rt via amp http https www com co html htm php lol" },
	{ "en",
	  "a about above after again against all am an and any are aren't as at be because been before "
	  "being below between both but by can can't cannot could couldn't did didn't do does doesn't "
	  "doing don't down during each few for from further get gets got had hadn't has hasn't have "
	  "haven't having he he'd he'll he's her here here's hers herself him himself his how how's i "
	  "i'd i'll i'm i've if in into is isn't it it's its itself just let's like me more most much "
	  "mustn't my myself no nor not now of off on once one only or other ought our ours ourselves "
	  "out over own same shan't she she'd she'll she's should shouldn't so some such than that "
	  "that's the their theirs them themselves then there there's these they they'd they'll they're "
	  "they've this those through to too under until up us very was wasn't we we'd we'll we're "
	  "we've were weren't what what's when when's where where's which while who who's whom why "
	  "why's will with won't would wouldn't you you'd you'll you're you've your yours yourself "
	  "yourselves also im dont cant ur u r ya yeah oh ok okay gonna wanna really still even" },
	{ "es",
	  "de la que el en y a los del se las por un para con no una su al lo como más mas pero sus le "
	  "ya o este sí si porque esta entre cuando muy sin sobre también me hasta hay donde quien "
	  "desde todo nos durante todos uno les ni contra otros ese eso ante ellos e esto mí antes "
	  "algunos qué unos yo otro otras otra él tanto esa estos mucho quienes nada muchos cual poco "
	  "ella estar estas algunas algo nosotros mi mis tú te ti tu tus ellas nosotras vosotros "
	  "vosotras os mío mía míos mías tuyo tuya suyo suya nuestro nuestra vuestro es son fue ser "
	  "está están estoy era q x pq xq" },
	{ "pt",
	  "de a o que e do da em um para é com não uma os no se na por mais as dos como mas foi ao ele "
	  "das tem à seu sua ou ser quando muito há nos já está eu também só pelo pela até isso ela "
	  "entre era depois sem mesmo aos ter seus quem nas me esse eles estão você tinha foram essa "
	  "num nem suas meu às minha têm numa pelos elas havia seja qual será nós tenho lhe deles "
	  "essas esses pelas este fosse dele tu te vocês vos lhes meus minhas teu tua teus tuas nosso "
	  "nossa nossos nossas dela delas esta estes estas aquele aquela aqueles aquelas isto aquilo "
	  "q vc pra pro tá" },
	{ "fr",
	  "au aux avec ce ces dans de des du elle en et eux il ils je la le les leur lui ma mais me "
	  "même mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes "
	  "toi ton tu un une vos votre vous c d j l à m n s t y été être est sont suis es sommes êtes "
	  "était ai as avons avez ont avait cette cet ça ca c'est j'ai très tout tous plus aussi comme si" },
	{ "de",
	  "aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes "
	  "auch auf aus bei bin bis bist da damit dann das dass daß dein deine dem den der des dich die "
	  "dies diese dieser dieses dir doch dort du durch ein eine einem einen einer eines er es etwas "
	  "euch euer für gegen hab habe haben hat hatte hier hin ich ihm ihn ihr ihre im in ist ja jetzt "
	  "kann kein keine mal man mein meine mich mir mit muss nach nicht nichts noch nun nur ob oder "
	  "ohne schon sehr sein seine sich sie sind so um und uns unser unter viel vom von vor war "
	  "waren was weil wenn wer wie wieder will wir wird wo zu zum zur über" },
	{ "it",
	  "ad al allo ai agli alla alle con col da dal dallo dai dagli dalla dalle di del dello dei "
	  "degli della delle in nel nello nei negli nella nelle su sul sullo sui sugli sulla sulle per "
	  "tra fra io tu lui lei noi voi loro mio mia miei mie tuo tua tuoi tue suo sua suoi sue il lo "
	  "la i gli le un uno una ma se perché anche come dove che chi cui non più quale quanto quanti "
	  "quella quelle quelli quello questa queste questi questo si sì e è ed o ci ne mi ti vi sono "
	  "sei siamo siete era ho hai ha abbiamo avete hanno molto tutto tutti" },
	{ "nl",
	  "de en van ik te dat die in een hij het niet zijn is was op aan met als voor had er maar om "
	  "hem dan zou of wat mijn men dit zo door over ze zich bij ook tot je mij uit der daar haar "
	  "naar heb hoe heeft hebben deze u want nog zal me zij nu ge geen omdat iets worden toch al "
	  "waren veel meer doen toen moet ben zonder kan hun dus alles onder ja eens hier wie werd "
	  "altijd doch wordt wezen kunnen ons zelf tegen na reeds wil kon niets uw iemand geweest "
	  "andere" },
	{ "sv",
	  "och det att i en jag hon som han på den med var sig för så till är men ett om hade de av "
	  "icke mig du henne då sin nu har inte hans honom skulle hennes där min man ej vid kunde något "
	  "från ut när efter upp vi dem vara vad över än dig kan sina här ha mot alla under någon eller "
	  "allt mycket sedan ju denna själv detta åt utan varit hur ingen mitt ni bli blev oss din "
	  "dessa några deras blir mina samma vilken er sådan vår blivit dess inom mellan sådant varför "
	  "varje vilka ditt vem vilket sitta sådana vart dina vars vårt våra ert era vilkas" },
	{ "tr",
	  "acaba ama aslında az bazı belki biri birkaç birşey biz bu çok çünkü da daha de defa diye "
	  "eğer en gibi hem hep hepsi her hiç için ile ise kez ki kim mı mu mü nasıl ne neden nerde "
	  "nerede nereye niçin niye o sanki şey siz şu tüm ve veya ya yani bir ben sen onlar bana "
	  "benim sana seni var yok olarak olan oldu" },
	{ "in id",
	  "yang dan di ini itu dengan untuk tidak dari dalam akan pada juga saya ke karena tersebut "
	  "bisa ada mereka lebih kata sudah atau saat oleh menjadi orang kami telah hanya seperti "
	  "harus kita sebagai bahwa masih banyak lagi ya aku kamu gak ga nggak tapi udah aja sih kok "
	  "dia apa mau lah deh nya" },
	{ "ru",
	  "и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее "
	  "мне было вот от меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть "
	  "был него до вас нибудь опять уж вам ведь там потом себя ничего ей может они тут где есть "
	  "надо ней для мы тебя их чем была сам чтоб без будто чего раз тоже себе под будет ж тогда "
	  "кто этот того потому этого какой совсем ним здесь этом один почти мой тем чтобы нее сейчас "
	  "были куда зачем всех никогда можно при наконец два об другой хоть после над больше тот "
	  "через эти нас про всего них какая много разве три эту моя впрочем хорошо свою этой перед "
	  "иногда лучше чуть том нельзя такой им более всегда конечно всю между это" },
	{ "ar",
	  "في من على إلى الى عن مع هذا هذه ذلك التي الذي الذين ما لا لم لن أن ان إن كان كانت هو هي هم "
	  "انا أنا انت أنت نحن او أو ثم قد كل بعد قبل عند حتى إذا اذا لكن و يا به بها له لها فيه منه "
	  "عليه اللي الي" },
	{ "ja",
	  "です ます でした ました ません こと これ それ あれ この その あの ここ そこ ある いる する "
	  "なる ない よう から まで ので けど けれど でも しかし そして また など って という ところ "
	  "もの さん ちゃん くん たち あと まだ もう とても ちょっと やっぱり ください" },
	{ "zh",
	  "我们 你们 他们 她们 这个 那个 什么 没有 一个 就是 不是 可以 因为 所以 但是 如果 自己 这样 "
	  "已经 还是 这些 那些 然后 现在 今天 怎么 为什么 我的 你的 他的" },
	{ "ko",
	  "이 그 저 것 수 등 및 더 또 그리고 그러나 하지만 그래서 에서 으로 에게 까지 부터 보다 "
	  "처럼 만큼 너무 정말 진짜 그냥 아주 많이 했다 한다 하는 있는 없는 있다 없다 합니다 입니다" },
	{ "hi",
	  "के का की है हैं में और को से पर यह वह था थी थे हो कि जो तो भी ही नहीं एक इस उस लिए "
	  "कर करने किया गया तक साथ अपने अब जब कुछ" },
	{ "th",
	  "และ ที่ ของ ใน เป็น มี ได้ ไม่ ให้ ว่า จะ กับ แต่ ก็ นี้ นั้น ไป มา อยู่ คือ ค่ะ ครับ คะ "
	  "นะ จ้า เลย แล้ว ด้วย" },
	{ "tl",
	  "ang ng sa na at mga ay si ni ko mo ka ako ikaw siya kami tayo kayo sila ito iyan iyon "
	  "hindi oo po lang din rin naman pa ba kasi talaga" },
};
#define N_STOP_LISTS (sizeof STOP_LISTS / sizeof *STOP_LISTS)

#endif
