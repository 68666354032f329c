// FarmChat's ChatClient (and so the app's panes and the launcher's demo) on
// ASP.NET Core SignalR nodes with the Redis backplane (peers/aspnetcore): the
// handshake, message fields, rooms, the backplane on and off, a Redis outage,
// and reconnecting when an ASP.NET Core node restarts.
#include "client/chatclient.h"
#include "tests/support/testhttp.h"
#include "tests/support/testnode.h"
#include "tests/support/testredisserver.h"
#include "tests/support/verifyresult.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace farmchat;
using farmchat::test::TestNode;
using farmchat::test::TestRedisServer;

namespace {

constexpr int kWaitMs = 15000;
constexpr int kStartMs = 60000; // a cold .NET start on a busy 2-core machine

ChatClientOptions options(bool skipNegotiation = false)
{
    ChatClientOptions o;
    o.hub.skipNegotiation = skipNegotiation;
    o.hub.reconnect.firstDelayMs = 100;
    o.hub.reconnect.maxDelayMs = 200;
    o.hub.reconnect.jitter = 0;
    return o;
}

std::unique_ptr<TestNode> aspNetCoreNode(
    const QString &id, const TestRedisServer *redis, const QString &mode, quint16 port = 0)
{
    QStringList arguments {
        QStringLiteral("--node-id"), id, QStringLiteral("--port"), QString::number(port)};
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    if (redis) {
        arguments << QStringLiteral("--redis") << redis->url() << QStringLiteral("--backplane")
                  << mode;
        environment.insert(
            QStringLiteral("FARMCHAT_REDIS_PASSWORD"), QString::fromUtf8(redis->password()));
    }
    auto node = std::make_unique<TestNode>(arguments, environment);
    node->setBinary(TestNode::aspNetCoreBinaryPath());
    return node;
}

QUrl baseUrl(const TestNode &node)
{
    QUrl url = node.url();
    url.setPath(QString());
    return url;
}

// Every message a client showed, in order.
struct Inbox
{
    explicit Inbox(ChatClient &client)
    {
        QObject::connect(&client, &ChatClient::messageReceived, &client,
            [this](const ChatMessage &m, bool) { messages.append(m); });
    }
    const ChatMessage *find(const QString &id) const
    {
        for (const ChatMessage &m : messages) {
            if (m.id == id)
                return &m;
        }
        return nullptr;
    }
    QList<ChatMessage> messages;
};

bool redisConnected(const TestNode &node)
{
    const auto reply = farmchat::test::httpRequest("GET", node.url(QStringLiteral("/health")));
    return QJsonDocument::fromJson(reply.body).object().value(u"redisConnected").toBool();
}

QString sendAndWait(
    ChatClient &client, const QString &text, const QString &room = ChatClient::kLobby)
{
    QString id;
    bool done = false;
    client.send(text, room, [&](const Result<QString> &sent) {
        id = sent ? sent.value() : QStringLiteral("<error: %1>").arg(sent.error());
        done = true;
    });
    if (!QTest::qWaitFor([&] { return done; }, kWaitMs))
        return QStringLiteral("<no answer>");
    return id;
}

} // namespace

class tst_AspNetCoreInterop : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void backplaneCarriesMessagesBetweenNodes();
    void backplaneOffKeepsMessagesOnTheirNode();
    void redisOutageLosesWhatWasSent();
    void reconnectsWhenTheNodeRestarts();
};

void tst_AspNetCoreInterop::initTestCase()
{
    QVERIFY2(!TestNode::aspNetCoreBinaryPath().isEmpty(),
        "FARMCHAT_ASPNETCORE_NODE_BIN is not set: configure with the .NET SDK and run through "
        "ctest");
}

void tst_AspNetCoreInterop::backplaneCarriesMessagesBetweenNodes()
{
    TestRedisServer redis;
    FARMCHAT_START_REDIS(redis);
    auto a = aspNetCoreNode(QStringLiteral("asp-a"), &redis, QStringLiteral("pubsub"));
    auto b = aspNetCoreNode(QStringLiteral("asp-b"), &redis, QStringLiteral("pubsub"));
    FARMCHAT_VERIFY_OK(a->start(kStartMs));
    FARMCHAT_VERIFY_OK(b->start(kStartMs));

    ChatClient ann(baseUrl(*a), options(false));
    ChatClient bob(baseUrl(*b), options(true));
    Inbox annInbox(ann), bobInbox(bob);
    ann.setName(QStringLiteral("ann"));
    const QString room = QStringLiteral("orchard");
    ann.joinRoom(room);
    bob.joinRoom(room);
    ann.start();
    bob.start();
    QTRY_VERIFY_WITH_TIMEOUT(ann.isConnected() && bob.isConnected(), kWaitMs);
    QVERIFY(!ann.connection().connectionId().isEmpty()); // negotiated with ASP.NET Core

    const QString id = sendAndWait(ann, QStringLiteral("hello from asp-a"));
    QVERIFY2(id.startsWith(QStringLiteral("asp-a:")), qPrintable(id));
    QTRY_VERIFY_WITH_TIMEOUT(bobInbox.find(id), kWaitMs);
    const ChatMessage got = *bobInbox.find(id);
    QCOMPARE(got.from, QStringLiteral("ann"));
    QCOMPARE(got.node, QStringLiteral("asp-a"));
    QCOMPARE(got.room, ChatClient::kLobby);
    QCOMPARE(got.via, Via::PubSub);
    // Group sends go through Redis to the sender's node too.
    QTRY_VERIFY_WITH_TIMEOUT(annInbox.find(id), kWaitMs);
    QCOMPARE(annInbox.find(id)->via, Via::PubSub);

    const QString back = sendAndWait(bob, QStringLiteral("back from asp-b"), room);
    QTRY_VERIFY_WITH_TIMEOUT(annInbox.find(back), kWaitMs);
    QCOMPARE(annInbox.find(back)->room, room);
    QCOMPARE(ann.stats().duplicatesSuppressed, 0u);
}

void tst_AspNetCoreInterop::backplaneOffKeepsMessagesOnTheirNode()
{
    TestRedisServer redis;
    FARMCHAT_START_REDIS(redis);
    auto a = aspNetCoreNode(QStringLiteral("asp-off-a"), &redis, QStringLiteral("off"));
    auto b = aspNetCoreNode(QStringLiteral("asp-off-b"), &redis, QStringLiteral("off"));
    FARMCHAT_VERIFY_OK(a->start(kStartMs));
    FARMCHAT_VERIFY_OK(b->start(kStartMs));
    ChatClient ann(baseUrl(*a), options()), amy(baseUrl(*a), options()),
        bob(baseUrl(*b), options());
    Inbox amyInbox(amy), bobInbox(bob);
    for (ChatClient *client : {&ann, &amy, &bob})
        client->start();
    QTRY_VERIFY_WITH_TIMEOUT(ann.isConnected() && amy.isConnected() && bob.isConnected(), kWaitMs);

    const QString id = sendAndWait(ann, QStringLiteral("stays on asp-off-a"));
    QTRY_VERIFY_WITH_TIMEOUT(amyInbox.find(id), kWaitMs);
    QCOMPARE(amyInbox.find(id)->via, Via::Local);
    // bob's own message after it: once that is in, ann's would have been too.
    const QString marker = sendAndWait(bob, QStringLiteral("marker on asp-off-b"));
    QTRY_VERIFY_WITH_TIMEOUT(bobInbox.find(marker), kWaitMs);
    QVERIFY2(!bobInbox.find(id), "a message crossed with the backplane off");
}

// ASP.NET Core's backplane is at most once and sends even a node's own
// clients' messages through Redis: past StackExchange.Redis's 5 s timeout
// Send fails, and the message reaches nobody.
void tst_AspNetCoreInterop::redisOutageLosesWhatWasSent()
{
    TestRedisServer redis;
    FARMCHAT_START_REDIS(redis);
    auto a = aspNetCoreNode(QStringLiteral("asp-r-a"), &redis, QStringLiteral("pubsub"));
    auto b = aspNetCoreNode(QStringLiteral("asp-r-b"), &redis, QStringLiteral("pubsub"));
    FARMCHAT_VERIFY_OK(a->start(kStartMs));
    FARMCHAT_VERIFY_OK(b->start(kStartMs));
    ChatClient ann(baseUrl(*a), options()), bob(baseUrl(*b), options());
    Inbox annInbox(ann), bobInbox(bob);
    ann.start();
    bob.start();
    QTRY_VERIFY_WITH_TIMEOUT(ann.isConnected() && bob.isConnected(), kWaitMs);
    const QString before = sendAndWait(ann, QStringLiteral("before the outage"));
    QTRY_VERIFY_WITH_TIMEOUT(bobInbox.find(before), kWaitMs);

    redis.stop();
    QTRY_VERIFY_WITH_TIMEOUT(!redisConnected(*a), kWaitMs);
    const QString failed = sendAndWait(ann, QStringLiteral("during the outage"));
    QVERIFY2(failed.contains(QStringLiteral("Send: the Redis backplane is unavailable")),
        qPrintable(failed));

    FARMCHAT_VERIFY_OK(redis.restart());
    QTRY_VERIFY_WITH_TIMEOUT(redisConnected(*a) && redisConnected(*b), kWaitMs);
    const QString after = sendAndWait(ann, QStringLiteral("after the outage"));
    QTRY_VERIFY_WITH_TIMEOUT(bobInbox.find(after) && annInbox.find(after), kWaitMs);
    for (const Inbox *inbox : {&annInbox, &bobInbox}) {
        for (const ChatMessage &m : inbox->messages)
            QVERIFY2(
                m.text != QStringLiteral("during the outage"), "the failed message was delivered");
    }
}

void tst_AspNetCoreInterop::reconnectsWhenTheNodeRestarts()
{
    auto node = aspNetCoreNode(QStringLiteral("asp-restart"), nullptr, {});
    FARMCHAT_VERIFY_OK(node->start(kStartMs));
    const quint16 port = node->port();
    ChatClient client(baseUrl(*node), options());
    Inbox inbox(client);
    QSignalSpy reconnecting(&client.connection(), &HubConnection::reconnecting);
    QSignalSpy disconnected(&client.connection(), &HubConnection::disconnected);
    client.start();
    QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), kWaitMs);

    node->terminate();
    QVERIFY(node->waitForExit(10000));
    QCOMPARE(node->exitCode(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(reconnecting.size(), 1, kWaitMs);
    node = aspNetCoreNode(QStringLiteral("asp-restart"), nullptr, {}, port);
    FARMCHAT_VERIFY_OK(node->start(kStartMs));
    QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), kWaitMs);
    QCOMPARE(disconnected.size(), 0);
    const QString id = sendAndWait(client, QStringLiteral("after the restart"));
    QTRY_VERIFY_WITH_TIMEOUT(inbox.find(id), kWaitMs);
}

QTEST_GUILESS_MAIN(tst_AspNetCoreInterop)
#include "tst_aspnetcoreinterop.moc"
