#include "tests/support/testfarm.h"

#include <QJsonArray>
#include <QTest>

using namespace farmchat;
using namespace farmchat::test;

namespace {

// The stream ids Redis holds for `key`.
QSet<QString> streamIds(const TestRedisServer &redis, const QByteArray &key)
{
    QSet<QString> ids;
    const RedisReply reply = redis.command({"XRANGE", key, "-", "+"});
    for (const QVariant &entry : reply.value.toList())
        ids.insert(QString::fromLatin1(entry.toList().value(0).toByteArray()));
    return ids;
}

// Sends until Redis has refused `refusals` messages (or `maxSends` went out),
// a few in flight at a time; every answer is kept.
struct SendRun
{
    QStringList acceptedIds;
    QStringList errors;
    QStringList refusedTexts; // the text of each refused send, as errors
    int sent = 0;
    int inFlight = 0;
};

void sendUntilRefused(ChatClient &client, SendRun &run, int refusals, int maxSends, int textChars)
{
    const auto more = [&] { return run.errors.size() < refusals && run.sent < maxSends; };
    std::function<void()> sendOne = [&] {
        ++run.inFlight;
        ++run.sent;
        const QString text = QString::number(run.sent) + u' ' + QString(textChars, u'x');
        client.send(text, ChatClient::kLobby, [&, text](const Result<QString> &id) {
            --run.inFlight;
            if (id) {
                run.acceptedIds << id.value();
            } else {
                run.errors << id.error();
                run.refusedTexts << text;
            }
            if (more())
                sendOne();
        });
    };
    for (int i = 0; i < 8 && more(); ++i)
        sendOne();
    runUntil([&] { return !more() && run.inFlight == 0; }, 30000);
}

// What the seat's pane shows that it must not: an id more than once, or a
// text whose send was refused. Empty when neither.
QString shownWrongly(const FarmSeat &seat, const QStringList &refusedTexts)
{
    QHash<QString, int> perId;
    for (const ChatMessage &m : seat.messages)
        ++perId[m.id];
    for (auto it = perId.cbegin(); it != perId.cend(); ++it) {
        if (it.value() != 1)
            return QStringLiteral("id %1 shown %2 times").arg(it.key()).arg(it.value());
    }
    for (const QString &text : refusedTexts) {
        if (seat.textCount.contains(text))
            return QStringLiteral("a refused text was shown: %1...").arg(text.left(24));
    }
    return {};
}

} // namespace

// A Redis at its memory cap (noeviction, as the launcher runs it) under
// streams traffic: the sender gets the refusal, counted as redis_full and
// nothing else, what Redis accepted before stays, /health says so, and the
// farm recovers by itself once memory is freed — no restart.
class tst_RedisFull : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void fullRedisIsAnErrorNeverALoss();
};

void tst_RedisFull::initTestCase()
{
    const QString missing = TestFarm::missingPrerequisite();
    QVERIFY2(missing.isEmpty(), qPrintable(missing));
}

void tst_RedisFull::fullRedisIsAnErrorNeverALoss()
{
    TestFarm farm;
    farm.redisConfig = "maxmemory-policy noeviction\n";
    // No trimming (a long history) and no rate limit: the stream must grow.
    FARMCHAT_START_FARM(farm, QStringLiteral("streams"), 1, 1, {},
        {QStringLiteral("--history"), QStringLiteral("100000"), QStringLiteral("--rate-limit"),
            QStringLiteral("100000")});
    ChatClient &client = *farm.seat(0).client;
    // A few MB above what Redis holds now.
    const qint64 start = farm.redis.usedMemory();
    QVERIFY(start > 0);
    QVERIFY(farm.redis.setMaxMemory(start + 3 * 1024 * 1024));

    SendRun run;
    sendUntilRefused(client, run, 20, 5000, 3900);
    QVERIFY2(run.errors.size() >= 20,
        qPrintable(QStringLiteral("%1 sends, none refused").arg(run.sent)));
    QVERIFY(run.acceptedIds.size() > 100); // the cap was reached by traffic
    // The sender sees why, in Redis' words.
    const QString kFull = QStringLiteral(
        "Redis refused the message: OOM command not allowed when used memory > 'maxmemory'.");
    for (const QString &error : std::as_const(run.errors))
        QCOMPARE(error, kFull);
    qInfo().noquote() << QStringLiteral("%1 accepted, then refused: %2")
                             .arg(run.acceptedIds.size())
                             .arg(run.errors.first());

    // Counted as a full Redis, exactly once per refusal, not as a broken link.
    QCOMPARE(farm.metric(0, "farmchat_invocations_rejected_total", "reason=\"redis_full\""),
        qint64(run.errors.size()));
    QCOMPARE(farm.metric(0, "farmchat_invocations_rejected_total", "reason=\"publish_failed\""), 0);
    QCOMPARE(farm.metric(0, "farmchat_redis_reconnects_total", "link=\"commands\""), 0);
    const QJsonObject full = farm.health(0);
    QCOMPARE(full.value(QStringLiteral("redisFull")).toBool(), true);
    QCOMPARE(full.value(QStringLiteral("redisConnected")).toBool(), true);
    QVERIFY(full.value(QStringLiteral("lastBackplaneError")).toString().contains(u"OOM"));
    QCOMPARE(farm.metric(0, "farmchat_rooms"), 1);
    QCOMPARE(farm.metric(0, "farmchat_rooms_read"), 1);

    // Nothing accepted is lost: Redis holds every id the sender was given,
    // and the sender's own client received each one.
    const QSet<QString> inRedis = streamIds(farm.redis, "farmchat:stream:lobby");
    for (const QString &id : std::as_const(run.acceptedIds))
        QVERIFY2(inRedis.contains(id), qPrintable(id));
    const auto receivedAll = [&](const QStringList &ids) {
        QSet<QString> seen;
        for (const ChatMessage &m : farm.seat(0).messages)
            seen.insert(m.id);
        for (const QString &id : ids) {
            if (!seen.contains(id))
                return false;
        }
        return true;
    };
    QTRY_VERIFY_WITH_TIMEOUT(receivedAll(run.acceptedIds), 10000);
    // Each of them once, and no refused text anywhere (it is shown nowhere).
    QCOMPARE(run.refusedTexts.size(), run.errors.size());
    QCOMPARE(farm.seat(0).duplicatesSuppressed, 0);
    const QString wrong = shownWrongly(farm.seat(0), run.refusedTexts);
    QVERIFY2(wrong.isEmpty(), qPrintable(wrong));
    // Reads are not refused for memory: History still answers.
    const HttpReply page = httpRequest(
        "GET", farm.base(0).resolved(QUrl(QStringLiteral("/rooms/lobby/messages?limit=5"))));
    QCOMPARE(page.status, 200);
    QVERIFY(farm.node(0).isRunning());

    // Memory freed (the cap raised, as an operator would): /health recovers
    // by itself, before anyone sends, and sends succeed again.
    QVERIFY(farm.redis.setMaxMemory(start + 64 * 1024 * 1024));
    QTRY_COMPARE_WITH_TIMEOUT(
        farm.health(0).value(QStringLiteral("redisFull")).toBool(), false, 5000);
    SendRun after;
    sendUntilRefused(client, after, 1, 30, 100);
    QCOMPARE(after.errors, QStringList());
    QCOMPARE(after.acceptedIds.size(), 30);
    // Once the new ones arrived, still no refused text shown and nothing twice.
    QTRY_VERIFY_WITH_TIMEOUT(receivedAll(after.acceptedIds), 10000);
    QCOMPARE(farm.seat(0).duplicatesSuppressed, 0);
    const QString wrongAfter = shownWrongly(farm.seat(0), run.refusedTexts);
    QVERIFY2(wrongAfter.isEmpty(), qPrintable(wrongAfter));
    QCOMPARE(farm.metric(0, "farmchat_invocations_rejected_total", "reason=\"redis_full\""),
        qint64(run.errors.size()));
    QVERIFY(farm.node(0).isRunning());
}

QTEST_GUILESS_MAIN(tst_RedisFull)
#include "tst_redisfull.moc"
