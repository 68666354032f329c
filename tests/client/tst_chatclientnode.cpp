// ChatClient against the real farmchat-node (label integration): the client
// and the node agree on the wire, and reconnect + History catch-up work when
// the node really dies and comes back.
#include "client/chatclient.h"
#include "protocol/hubcontract.h"
#include "tests/support/freeport.h"
#include "tests/support/testnode.h"
#include "tests/support/verifyresult.h"

#include <QSignalSpy>
#include <QTest>

using namespace farmchat;
using farmchat::test::TestNode;

namespace {

constexpr int kWaitMs = 10000;

ChatClientOptions options(bool skipNegotiation = false, int reconnectBaseMs = 50)
{
    ChatClientOptions o;
    o.hub.skipNegotiation = skipNegotiation;
    o.hub.reconnect.firstDelayMs = reconnectBaseMs;
    o.hub.reconnect.maxDelayMs = reconnectBaseMs * 2;
    o.hub.reconnect.jitter = 0;
    return o;
}

QUrl baseUrl(const TestNode &node)
{
    QUrl url = node.url();
    url.setPath(QString());
    return url;
}

// Every message a client showed, by id, and how often.
struct Inbox
{
    explicit Inbox(ChatClient &client)
    {
        QObject::connect(&client, &ChatClient::messageReceived, &client,
            [this](const ChatMessage &m, bool fromHistory) {
                messages.append(m);
                history.append(fromHistory);
                ++count[m.id];
            });
    }
    QStringList texts() const
    {
        QStringList out;
        for (const ChatMessage &m : messages)
            out.append(m.text);
        return out;
    }
    bool hasText(const QString &text) const { return texts().contains(text); }
    int maxCopies() const
    {
        int most = 0;
        for (int c : count)
            most = qMax(most, c);
        return most;
    }
    QList<ChatMessage> messages;
    QList<bool> history;
    QHash<QString, int> count;
};

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

class tst_ChatClientNode : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void twoClientsChat();
    void roomsIsolate();
    void historyReturnsWhatWasSent();
    void disallowedOriginIsRefused();
    void reconnectAfterRestartCatchesUp_data();
    void reconnectAfterRestartCatchesUp();
};

void tst_ChatClientNode::initTestCase()
{
    QVERIFY2(!TestNode::binaryPath().isEmpty(),
        "FARMCHAT_NODE_BIN is not set: run this test through ctest");
}

void tst_ChatClientNode::twoClientsChat()
{
    TestNode node({QStringLiteral("--node-id"), QStringLiteral("node-it")});
    FARMCHAT_VERIFY_OK(node.start());
    ChatClient ann(baseUrl(node), options(false));
    ChatClient bob(baseUrl(node), options(true));
    Inbox annInbox(ann), bobInbox(bob);
    ann.setName(QStringLiteral("ann"));
    bob.setName(QStringLiteral("bob"));
    ann.start();
    bob.start();
    QTRY_VERIFY_WITH_TIMEOUT(ann.isConnected() && bob.isConnected(), kWaitMs);
    QVERIFY(!ann.connection().connectionId().isEmpty()); // negotiated
    QVERIFY(bob.connection().connectionId().isEmpty()); // skipNegotiation

    const QString id = sendAndWait(ann, QStringLiteral("hi <b>bob</b>"));
    QVERIFY2(!id.startsWith(u'<'), qPrintable(id));
    QTRY_COMPARE_WITH_TIMEOUT(bobInbox.messages.size(), 1, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(annInbox.messages.size(), 1, kWaitMs);
    const ChatMessage got = bobInbox.messages.first();
    QCOMPARE(got.id, id);
    QCOMPARE(got.text, QStringLiteral("hi <b>bob</b>"));
    QCOMPARE(got.from, QStringLiteral("ann"));
    QCOMPARE(got.room, QStringLiteral("lobby"));
    QCOMPARE(got.node, QStringLiteral("node-it"));
    QCOMPARE(got.via, Via::Local);
    QCOMPARE(bobInbox.history.first(), false);

    QVERIFY(!sendAndWait(bob, QStringLiteral("hello ann")).startsWith(u'<'));
    QTRY_COMPARE_WITH_TIMEOUT(annInbox.messages.size(), 2, kWaitMs);
    QCOMPARE(annInbox.messages.last().from, QStringLiteral("bob"));
    QCOMPARE(annInbox.maxCopies(), 1);
    QCOMPARE(ann.stats().duplicatesSuppressed, 0u);
    QCOMPARE(ann.stats().sent, 1u);
}

void tst_ChatClientNode::roomsIsolate()
{
    TestNode node;
    FARMCHAT_VERIFY_OK(node.start());
    ChatClient ann(baseUrl(node), options());
    ChatClient bob(baseUrl(node), options());
    ChatClient cid(baseUrl(node), options());
    Inbox annInbox(ann), bobInbox(bob), cidInbox(cid);
    ann.joinRoom(QStringLiteral("dev"));
    cid.joinRoom(QStringLiteral("dev"));
    for (ChatClient *c : {&ann, &bob, &cid})
        c->start();
    QTRY_VERIFY_WITH_TIMEOUT(ann.isConnected() && bob.isConnected() && cid.isConnected(), kWaitMs);
    // Rooms are joined after connect; make sure the node has done it.
    bool joined = false;
    cid.joinRoom(QStringLiteral("dev2"), [&](const Result<void> &) { joined = true; });
    QTRY_VERIFY_WITH_TIMEOUT(joined, kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(ann.rooms().contains(QStringLiteral("dev")), kWaitMs);

    QVERIFY(!sendAndWait(ann, QStringLiteral("dev only"), QStringLiteral("dev")).startsWith(u'<'));
    QVERIFY(!sendAndWait(ann, QStringLiteral("everyone")).startsWith(u'<'));
    // One node delivers in order: once bob has the lobby message, he would
    // already have had the dev one.
    QTRY_VERIFY_WITH_TIMEOUT(bobInbox.hasText(QStringLiteral("everyone")), kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(cidInbox.hasText(QStringLiteral("everyone")), kWaitMs);
    QCOMPARE(bobInbox.texts(), QStringList {"everyone"});
    QCOMPARE(cidInbox.texts(), (QStringList {"dev only", "everyone"}));
    QCOMPARE(cidInbox.messages.first().room, QStringLiteral("dev"));

    // After leaving, cid no longer gets dev.
    bool left = false;
    cid.leaveRoom(QStringLiteral("dev"), [&](const Result<void> &result) {
        QVERIFY2(result.ok(), qPrintable(result.error()));
        left = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(left, kWaitMs);
    QVERIFY(!sendAndWait(ann, QStringLiteral("dev again"), QStringLiteral("dev")).startsWith(u'<'));
    QVERIFY(!sendAndWait(ann, QStringLiteral("everyone again")).startsWith(u'<'));
    QTRY_VERIFY_WITH_TIMEOUT(cidInbox.hasText(QStringLiteral("everyone again")), kWaitMs);
    QVERIFY(!cidInbox.hasText(QStringLiteral("dev again")));
    QTRY_VERIFY_WITH_TIMEOUT(annInbox.hasText(QStringLiteral("dev again")), kWaitMs);
}

void tst_ChatClientNode::historyReturnsWhatWasSent()
{
    TestNode node;
    FARMCHAT_VERIFY_OK(node.start());
    ChatClient ann(baseUrl(node), options());
    ann.start();
    QTRY_VERIFY_WITH_TIMEOUT(ann.isConnected(), kWaitMs);
    QStringList ids;
    for (int i = 0; i < 5; ++i)
        ids.append(sendAndWait(ann, QStringLiteral("m%1").arg(i)));

    // The raw hub method: oldest first, after an id, limited.
    QJsonValue result;
    QString invokeError = QStringLiteral("unset");
    ann.connection().invoke(hubcontract::kHistory.name, {QStringLiteral("lobby"), ids.at(1), 2},
        [&](const Result<QJsonValue> &r) {
            if (r)
                result = r.value();
            invokeError = r.error();
        });
    QTRY_VERIFY_WITH_TIMEOUT(invokeError != u"unset", kWaitMs);
    QVERIFY2(invokeError.isEmpty(), qPrintable(invokeError));
    const QJsonArray page = result.toArray();
    QCOMPARE(page.size(), 2);
    QCOMPARE(page.at(0).toObject().value(u"id").toString(), ids.at(2));
    QCOMPARE(page.at(1).toObject().value(u"id").toString(), ids.at(3));

    // A newcomer with historyOnJoin sees the conversation so far, once.
    ChatClientOptions withHistory = options();
    withHistory.historyOnJoin = true;
    withHistory.historyPageSize = 2; // and pages through it
    ChatClient late(baseUrl(node), withHistory);
    Inbox lateInbox(late);
    QSignalSpy caughtUp(&late, &ChatClient::caughtUp);
    late.start();
    QTRY_COMPARE_WITH_TIMEOUT(caughtUp.size(), 1, kWaitMs);
    QCOMPARE(lateInbox.texts(), (QStringList {"m0", "m1", "m2", "m3", "m4"}));
    QVERIFY(!lateInbox.history.contains(false));
    QCOMPARE(late.lastSeenId(QStringLiteral("lobby")), ids.last());

    // A bad call is an error Completion, and the connection stays.
    invokeError.clear();
    ann.connection().invoke(hubcontract::kHistory.name, {QStringLiteral("lobby"), QJsonValue(), 0},
        [&](const Result<QJsonValue> &r) { invokeError = r.error(); });
    QTRY_VERIFY_WITH_TIMEOUT(!invokeError.isEmpty(), kWaitMs);
    QVERIFY(ann.isConnected());
}

void tst_ChatClientNode::disallowedOriginIsRefused()
{
    TestNode node;
    FARMCHAT_VERIFY_OK(node.start());
    for (bool skipNegotiation : {false, true}) {
        ChatClientOptions o = options(skipNegotiation);
        o.hub.origin = QStringLiteral("http://evil.example");
        ChatClient client(baseUrl(node), o);
        QSignalSpy disconnected(&client.connection(), &HubConnection::disconnected);
        client.start();
        QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, kWaitMs);
        const QString reason = disconnected.first().first().toString();
        QVERIFY2(reason.contains(skipNegotiation ? u"WebSocket" : u"HTTP 403"), qPrintable(reason));
    }
    // The node's own origin is fine.
    ChatClientOptions o = options();
    o.hub.origin = QStringLiteral("http://127.0.0.1:%1").arg(node.port());
    ChatClient client(baseUrl(node), o);
    client.start();
    QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), kWaitMs);
}

void tst_ChatClientNode::reconnectAfterRestartCatchesUp_data()
{
    QTest::addColumn<bool>("graceful");
    QTest::addRow("SIGKILL") << false;
    QTest::addRow("SIGTERM") << true;
}

void tst_ChatClientNode::reconnectAfterRestartCatchesUp()
{
    QFETCH(bool, graceful);
    const quint16 port = farmchat::test::findFreePort();
    QVERIFY(port != 0);
    TestNode node({QStringLiteral("--port"), QString::number(port)});
    FARMCHAT_VERIFY_OK(node.start());
    // ann comes back at once; bob retries slowly, so he misses what ann says
    // right after the restart and must catch up with History.
    ChatClient ann(baseUrl(node), options(false, 50));
    ChatClient bob(baseUrl(node), options(false, 3000));
    Inbox annInbox(ann), bobInbox(bob);
    QSignalSpy bobReconnecting(&bob.connection(), &HubConnection::reconnecting);
    QSignalSpy annReconnected(&ann.connection(), &HubConnection::reconnected);
    QSignalSpy bobCaughtUp(&bob, &ChatClient::caughtUp);
    ann.start();
    bob.start();
    QTRY_VERIFY_WITH_TIMEOUT(ann.isConnected() && bob.isConnected(), kWaitMs);
    const QString first = sendAndWait(ann, QStringLiteral("before"));
    QTRY_VERIFY_WITH_TIMEOUT(bobInbox.hasText(QStringLiteral("before")), kWaitMs);
    QCOMPARE(bob.lastSeenId(QStringLiteral("lobby")), first);

    if (graceful)
        node.terminate();
    else
        node.kill();
    QVERIFY(node.waitForExit());
    QTRY_COMPARE_WITH_TIMEOUT(bobReconnecting.size(), 1, kWaitMs);
    // A node stopping politely says so with a Close message that allows reconnecting.
    if (graceful)
        QVERIFY2(bobReconnecting.first().first().toString().startsWith(
                     u"the server closed the connection"),
            qPrintable(bobReconnecting.first().first().toString()));
    // Bob's immediate first retry must have failed before the node returns,
    // so that his next one is the 3 s back-off away.
    const QString dropReason = bobReconnecting.first().first().toString();
    QTRY_VERIFY_WITH_TIMEOUT(bob.connection().lastError() != dropReason, kWaitMs);
    FARMCHAT_VERIFY_OK(node.start());
    QCOMPARE(node.port(), port);

    QTRY_COMPARE_WITH_TIMEOUT(annReconnected.size(), 1, kWaitMs);
    QCOMPARE(bob.state(), HubConnection::State::Reconnecting); // still waiting out its back-off
    const QString missed = sendAndWait(ann, QStringLiteral("while bob was away"));
    QVERIFY2(!missed.startsWith(u'<'), qPrintable(missed));
    QCOMPARE(bob.state(), HubConnection::State::Reconnecting);

    QTRY_COMPARE_WITH_TIMEOUT(bobCaughtUp.size(), 1, 3 * kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(bobInbox.hasText(QStringLiteral("while bob was away")), kWaitMs);
    const int index = int(bobInbox.texts().indexOf(QStringLiteral("while bob was away")));
    QCOMPARE(bobInbox.history.at(index), true);
    QCOMPARE(bob.stats().reconnects, 1u);

    // And live traffic flows again, each message shown once.
    QVERIFY(!sendAndWait(bob, QStringLiteral("back")).startsWith(u'<'));
    QTRY_VERIFY_WITH_TIMEOUT(annInbox.hasText(QStringLiteral("back")), kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(bobInbox.hasText(QStringLiteral("back")), kWaitMs);
    QCOMPARE(bobInbox.texts(), (QStringList {"before", "while bob was away", "back"}));
    QCOMPARE(annInbox.texts(), (QStringList {"before", "while bob was away", "back"}));
    QCOMPARE(bobInbox.maxCopies(), 1);
    QCOMPARE(annInbox.maxCopies(), 1);
    QCOMPARE(bob.stats().duplicatesSuppressed, 0u);
    QCOMPARE(ann.stats().duplicatesSuppressed, 0u);
}

QTEST_GUILESS_MAIN(tst_ChatClientNode)
#include "tst_chatclientnode.moc"
