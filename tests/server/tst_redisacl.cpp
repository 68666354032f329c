#include "protocol/hubcontract.h"
#include "tests/server/hubtestclient.h"
#include "tests/support/testhttp.h"
#include "tests/support/testnode.h"
#include "tests/support/testredisserver.h"
#include "tests/support/verifyresult.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTest>

using namespace farmchat::test;
namespace hubcontract = farmchat::hubcontract;
namespace field = farmchat::hubcontract::field;

// The Redis ACL user of docs/SECURITY.md is enough for the backplanes and no
// more: the documented ACL SETUSER line, read from that file, is run in a
// private Redis; two real nodes exchange messages through that user in pubsub
// and streams mode (rooms, History, switching live), Redis' ACL LOG shows no
// denied command, and the user cannot touch anything outside the prefix.
class tst_RedisAcl : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void userIsConfinedToThePrefix_data();
    void userIsConfinedToThePrefix();
    void twoNodesExchangeThroughTheUser();

private:
    QByteArray aclExchange(const QByteArray &commands);
    std::unique_ptr<TestNode> startNode();
    void exchange(HubTestClient &from, HubTestClient &to, const QString &room, const QString &text,
        const QString &via);

    std::unique_ptr<TestRedisServer> m_redis;
    QByteArray m_password = "acl-user-password-7f3c9e1d2b";
};

namespace {

const QByteArray kToken = "redis-acl-test-admin-token-0042";

// The ACL SETUSER line docs/SECURITY.md tells users to run.
QList<QByteArray> documentedAclLine(const QByteArray &password)
{
    QFile doc(qEnvironmentVariable("FARMCHAT_SOURCE_DIR") + QStringLiteral("/docs/SECURITY.md"));
    if (!doc.open(QIODevice::ReadOnly))
        return {};
    for (const QByteArray &line : doc.readAll().split('\n')) {
        if (!line.startsWith("ACL SETUSER "))
            continue;
        QList<QByteArray> words = line.simplified().split(' ');
        for (QByteArray &word : words) {
            if (word == ">PASSWORD")
                word = '>' + password;
        }
        return words;
    }
    return {};
}

QByteArray encode(const QList<QByteArray> &arguments)
{
    QByteArray out = '*' + QByteArray::number(arguments.size()) + "\r\n";
    for (const QByteArray &a : arguments)
        out += '$' + QByteArray::number(a.size()) + "\r\n" + a + "\r\n";
    return out;
}

} // namespace

void tst_RedisAcl::initTestCase()
{
    m_redis = std::make_unique<TestRedisServer>();
    FARMCHAT_VERIFY_OK(m_redis->start());
    const QList<QByteArray> line = documentedAclLine(m_password);
    QVERIFY2(line.size() > 4, "no 'ACL SETUSER' line in docs/SECURITY.md");
    QCOMPARE(line[2], QByteArray("farmchat"));
    const RedisReply created = m_redis->command(line);
    QVERIFY2(created.ok, created.error.constData());
    QVERIFY(m_redis->command({"ACL", "LOG", "RESET"}).ok);
}

void tst_RedisAcl::cleanupTestCase()
{
    m_redis.reset();
}

// Commands sent as the ACL user on a fresh connection; the raw replies.
QByteArray tst_RedisAcl::aclExchange(const QByteArray &commands)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_redis->port());
    if (!socket.waitForConnected(2000))
        return {};
    socket.write(encode({"AUTH", "farmchat", m_password}) + commands);
    QByteArray answer;
    while (socket.waitForReadyRead(300))
        answer += socket.readAll();
    return answer;
}

void tst_RedisAcl::userIsConfinedToThePrefix_data()
{
    QTest::addColumn<QList<QByteArray>>("command");
    QTest::addRow("FLUSHALL") << QList<QByteArray> {"FLUSHALL"};
    QTest::addRow("KEYS") << QList<QByteArray> {"KEYS", "*"};
    QTest::addRow("CONFIG GET") << QList<QByteArray> {"CONFIG", "GET", "requirepass"};
    QTest::addRow("CLIENT KILL") << QList<QByteArray> {"CLIENT", "KILL", "TYPE", "normal"};
    QTest::addRow("DEL in the prefix") << QList<QByteArray> {"DEL", "farmchat:epoch"};
    QTest::addRow("GET outside the prefix") << QList<QByteArray> {"GET", "sessions:admin"};
    QTest::addRow("XADD outside the prefix")
        << QList<QByteArray> {"XADD", "other:stream:x", "*", "a", "b"};
    QTest::addRow("PUBLISH outside the prefix") << QList<QByteArray> {"PUBLISH", "other:x", "hi"};
    QTest::addRow("SUBSCRIBE outside the prefix") << QList<QByteArray> {"SUBSCRIBE", "other:x"};
}

void tst_RedisAcl::userIsConfinedToThePrefix()
{
    QFETCH(QList<QByteArray>, command);
    const QByteArray answer = aclExchange(encode(command));
    QVERIFY2(answer.startsWith("+OK\r\n-NOPERM"), answer.constData());
    // What the backplanes do is allowed.
    const QByteArray allowed = aclExchange(encode({"PING"}) + encode({"GET", "farmchat:epoch"})
        + encode({"PUBLISH", "farmchat:room:lobby", "x"}));
    QVERIFY2(allowed.startsWith("+OK\r\n+PONG\r\n$-1\r\n:"), allowed.constData());
}

std::unique_ptr<TestNode> tst_RedisAcl::startNode()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("FARMCHAT_REDIS_PASSWORD"), QString::fromLatin1(m_password));
    env.insert(QStringLiteral("FARMCHAT_ADMIN_TOKEN"), QString::fromLatin1(kToken));
    auto node = std::make_unique<TestNode>(
        QStringList {"--redis",
            QStringLiteral("redis://farmchat@127.0.0.1:%1/0").arg(m_redis->port()), "--backplane",
            "pubsub"},
        env);
    if (const auto started = node->start(); !started) {
        qWarning("%s", qPrintable(started.error()));
        return nullptr;
    }
    return node;
}

void tst_RedisAcl::exchange(HubTestClient &from, HubTestClient &to, const QString &room,
    const QString &text, const QString &via)
{
    const auto sent = from.call(hubcontract::kSendToRoom.name, {room, text});
    QVERIFY(sent);
    QVERIFY2(!sent->hasError, qPrintable(sent->error));
    // The receiver may also be getting the echo of its own earlier message
    // (streams deliver a node's own messages through the stream): look for this one.
    const auto find = [&]() -> QJsonObject {
        for (const farmchat::HubMessage &invocation :
            to.invocations(hubcontract::kMessageReceived.name)) {
            const QJsonObject message = invocation.arguments.first().toObject();
            if (message.value(field::kText).toString() == text)
                return message;
        }
        return {};
    };
    QTRY_VERIFY_WITH_TIMEOUT(!find().isEmpty(), 10000);
    const QJsonObject message = find();
    QCOMPARE(message.value(field::kRoom).toString(), room);
    QCOMPARE(message.value(field::kVia).toString(), via);
}

void tst_RedisAcl::twoNodesExchangeThroughTheUser()
{
    QVERIFY(m_redis->command({"ACL", "LOG", "RESET"}).ok); // the refusals above are logged too
    auto first = startNode();
    auto second = startNode();
    QVERIFY(first && second);
    for (TestNode *node : {first.get(), second.get()}) {
        QTRY_VERIFY_WITH_TIMEOUT(
            QJsonDocument::fromJson(httpRequest("GET", node->url(QStringLiteral("/health"))).body)
                .object()
                .value(u"redisConnected")
                .toBool(),
            10000);
    }
    HubTestClient a;
    HubTestClient b;
    QVERIFY(a.connectNegotiated(first->port()));
    QVERIFY(b.connectNegotiated(second->port()));
    for (HubTestClient *client : {&a, &b})
        QVERIFY(!client->call(hubcontract::kJoinRoom.name, {QStringLiteral("ops")})->hasError);

    exchange(
        a, b, QStringLiteral("lobby"), QStringLiteral("pubsub lobby"), QStringLiteral("pubsub"));
    exchange(b, a, QStringLiteral("ops"), QStringLiteral("pubsub ops"), QStringLiteral("pubsub"));

    // Switch both nodes live, as the app's backplane switch does.
    for (TestNode *node : {first.get(), second.get()}) {
        const HttpReply switched = httpRequest("PUT", node->url(QStringLiteral("/admin/backplane")),
            R"({"mode":"streams"})", {{"Authorization", "Bearer " + kToken}});
        QVERIFY2(switched.status == 200, switched.body.constData());
    }
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (TestNode *node : {first.get(), second.get()}) {
                const QJsonObject health = QJsonDocument::fromJson(
                    httpRequest("GET", node->url(QStringLiteral("/health"))).body)
                                               .object();
                if (health.value(u"backplane").toString() != u"streams"
                    || !health.value(u"redisConnected").toBool())
                    return false;
            }
            return true;
        }(),
        10000);
    exchange(a, b, QStringLiteral("ops"), QStringLiteral("streams ops"), QStringLiteral("streams"));
    exchange(
        b, a, QStringLiteral("lobby"), QStringLiteral("streams lobby"), QStringLiteral("streams"));
    const auto history
        = b.call(hubcontract::kHistory.name, {QStringLiteral("ops"), QJsonValue(), 10});
    QVERIFY(history && !history->hasError);
    QVERIFY2(QJsonDocument(history->result.toArray()).toJson().contains("streams ops"),
        qPrintable(history->error));
    QVERIFY(!a.call(hubcontract::kLeaveRoom.name, {QStringLiteral("ops")})->hasError);
    exchange(
        a, b, QStringLiteral("lobby"), QStringLiteral("after leaving"), QStringLiteral("streams"));

    // Nothing the backplanes tried was refused: Redis logs every ACL denial.
    const RedisReply log = m_redis->command({"ACL", "LOG"});
    QVERIFY(log.ok);
    QStringList denials;
    for (const QVariant &entry : log.value.toList()) {
        const QVariantList fields = entry.toList();
        QStringList pairs;
        for (qsizetype i = 0; i + 1 < fields.size(); i += 2)
            pairs << fields[i].toString() + u'=' + fields[i + 1].toString();
        denials << pairs.join(u' ');
    }
    QVERIFY2(denials.isEmpty(), qPrintable(denials.join(u"; ")));
    for (TestNode *node : {first.get(), second.get()}) {
        const QJsonObject health
            = QJsonDocument::fromJson(httpRequest("GET", node->url(QStringLiteral("/health"))).body)
                  .object();
        QVERIFY2(health.value(u"lastBackplaneError").isNull(),
            qPrintable(health.value(u"lastBackplaneError").toString()));
        QVERIFY(!node->output().contains("NOPERM"));
    }
}

QTEST_GUILESS_MAIN(tst_RedisAcl)
#include "tst_redisacl.moc"
