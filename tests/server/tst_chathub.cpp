#include "protocol/hubcontract.h"
#include "protocol/limits.h"
#include "server/chathub_p.h"
#include "tests/server/hubtestclient.h"
#include "tests/server/nodefixture.h"
#include "tests/support/testhttp.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

using namespace farmchat;
using namespace farmchat::test;
namespace field = farmchat::hubcontract::field;

namespace {

// Streams-like: every message comes back through deliver() (via streams), the
// node's own included, and a test can make one arrive from another node.
class EchoBackplane final : public Backplane
{
public:
    BackplaneMode mode() const override { return BackplaneMode::Streams; }
    void publish(const ChatMessage &message, PublishDone done) override
    {
        ChatMessage back = message;
        back.via = Via::Streams;
        done(Published {message.id, {}});
        Q_EMIT deliver(back);
    }
    void watchRoom(const QString &) override { }
    void unwatchRoom(const QString &) override { }
    bool isRoomReady(const QString &room) const override { return !notReady.contains(room); }
    BackplaneStatus status() const override
    {
        BackplaneStatus s;
        s.mode = BackplaneMode::Streams;
        return s;
    }

    QSet<QString> notReady; // rooms a test says other nodes' messages do not reach yet
};

} // namespace

// Hub methods and message fan-out, driven by real WebSocket clients against an
// in-process node with backplane `off`.
class tst_ChatHub : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void sendReachesEveryoneInLobby();
    void methodNamesAreCaseInsensitive_data();
    void methodNamesAreCaseInsensitive();
    void setNameChangesFrom();
    void roomsIsolate();
    void leavingLobbyIsRefused();
    void badArguments_data();
    void badArguments();
    void tooManyRooms();
    void unknownMethod();
    void nonBlockingInvocationsRunAndErrorsAreCounted();
    void historyOldestFirstAndAfter();
    void historyOverHttpMatchesHub();
    void historyKeepsOnlyTheWindow();
    void textIsDataNotMarkup();
    void lagCountsOnlyWhatCrossedNodes();
    void joinRoomAnswersOnceTheBackplaneReadsTheRoom();

private:
    std::unique_ptr<HubTestClient> connectClient()
    {
        auto client = std::make_unique<HubTestClient>();
        if (!client->open(m_node->port()) || !client->handshake())
            return nullptr;
        return client;
    }
    static QJsonObject received(const HubTestClient &client, int index)
    {
        return client.invocations(hubcontract::kMessageReceived.name)
            .at(index)
            .arguments.at(0)
            .toObject();
    }

    std::unique_ptr<Node> m_node;
};

void tst_ChatHub::init()
{
    NodeConfig config = testNodeConfig();
    config.history = 5;
    auto started = startTestNode(config);
    QVERIFY2(started.ok(), qPrintable(started.error()));
    m_node = std::move(started).value();
}

void tst_ChatHub::cleanup()
{
    m_node.reset();
}

void tst_ChatHub::sendReachesEveryoneInLobby()
{
    auto a = connectClient();
    auto b = connectClient();
    QVERIFY(a && b);
    const auto done = a->call(hubcontract::kSend.name, {QStringLiteral("hello")});
    QVERIFY(done);
    QVERIFY(!done->hasError);
    const QString id = done->result.toString();
    // "<node>:<boot base 36>:<sequence>": unique per node, across restarts too.
    QVERIFY2(QRegularExpression(QStringLiteral("^node-\\d+:[0-9a-z]+:1$")).match(id).hasMatch(),
        qPrintable(id));
    QVERIFY(a->waitForInvocations(hubcontract::kMessageReceived.name, 1));
    QVERIFY(b->waitForInvocations(hubcontract::kMessageReceived.name, 1));
    const QJsonObject m = received(*b, 0);
    QCOMPARE(m.value(field::kId).toString(), id);
    QCOMPARE(m.value(field::kRoom).toString(), QStringLiteral("lobby"));
    QCOMPARE(m.value(field::kText).toString(), QStringLiteral("hello"));
    QCOMPARE(m.value(field::kNode).toString(), m_node->nodeId());
    QCOMPARE(m.value(field::kVia).toString(), QStringLiteral("local"));
    QVERIFY(m.value(field::kFrom).toString().startsWith(QStringLiteral("user-")));
    QVERIFY(qAbs(m.value(field::kSentAt).toDouble() - double(QDateTime::currentMSecsSinceEpoch()))
        < 60000);
    QCOMPARE(m_node->metrics().messagesReceived.value(QStringLiteral("local")), 1);
    QCOMPARE(m_node->metrics().messagesDelivered, 2);
}

void tst_ChatHub::methodNamesAreCaseInsensitive_data()
{
    QTest::addColumn<QString>("method");
    const QString send(hubcontract::kSend.name);
    QTest::addRow("Send") << send;
    QTest::addRow("send") << send.toLower();
    QTest::addRow("SEND") << send.toUpper();
    QTest::addRow("sEnD") << "sEnD";
}

void tst_ChatHub::methodNamesAreCaseInsensitive()
{
    QFETCH(QString, method);
    auto a = connectClient();
    QVERIFY(a);
    const auto done = a->call(method, {QStringLiteral("x")});
    QVERIFY(done);
    QVERIFY2(!done->hasError, qPrintable(done->error));
}

void tst_ChatHub::setNameChangesFrom()
{
    auto a = connectClient();
    QVERIFY(a);
    const auto named = a->call(hubcontract::kSetName.name, {QStringLiteral("Ada")});
    QVERIFY(named && !named->hasError && !named->hasResult);
    QVERIFY(a->call(hubcontract::kSend.name, {QStringLiteral("hi")}));
    QVERIFY(a->waitForInvocations(hubcontract::kMessageReceived.name, 1));
    QCOMPARE(received(*a, 0).value(field::kFrom).toString(), QStringLiteral("Ada"));
}

void tst_ChatHub::roomsIsolate()
{
    auto a = connectClient();
    auto b = connectClient();
    auto c = connectClient();
    QVERIFY(a && b && c);
    QVERIFY(!a->call(hubcontract::kJoinRoom.name, {QStringLiteral("kitchen")})->hasError);
    QVERIFY(!b->call(hubcontract::kJoinRoom.name, {QStringLiteral("kitchen")})->hasError);
    QVERIFY(
        !b->call(hubcontract::kJoinRoom.name, {QStringLiteral("kitchen")})->hasError); // idempotent
    const auto sent = a->call(
        hubcontract::kSendToRoom.name, {QStringLiteral("kitchen"), QStringLiteral("soup")});
    QVERIFY(sent && !sent->hasError);
    QVERIFY(a->waitForInvocations(hubcontract::kMessageReceived.name, 1));
    QVERIFY(b->waitForInvocations(hubcontract::kMessageReceived.name, 1));
    QCOMPARE(received(*b, 0).value(field::kRoom).toString(), QStringLiteral("kitchen"));
    // c is only in the lobby; a lobby message proves c's stream is flowing.
    QVERIFY(!b->call(hubcontract::kLeaveRoom.name, {QStringLiteral("kitchen")})->hasError);
    QVERIFY(
        !a->call(hubcontract::kSendToRoom.name, {QStringLiteral("kitchen"), QStringLiteral("more")})
             ->hasError);
    QVERIFY(!a->call(hubcontract::kSend.name, {QStringLiteral("to all")})->hasError);
    QVERIFY(c->waitForInvocations(hubcontract::kMessageReceived.name, 1));
    QVERIFY(b->waitForInvocations(hubcontract::kMessageReceived.name, 2));
    QCOMPARE(c->invocations(hubcontract::kMessageReceived.name).size(), 1);
    QCOMPARE(received(*c, 0).value(field::kText).toString(), QStringLiteral("to all"));
    QCOMPARE(b->invocations(hubcontract::kMessageReceived.name).size(), 2);
    QCOMPARE(received(*b, 1).value(field::kText).toString(), QStringLiteral("to all"));
    QVERIFY(a->waitForInvocations(hubcontract::kMessageReceived.name, 3));
}

void tst_ChatHub::leavingLobbyIsRefused()
{
    auto a = connectClient();
    QVERIFY(a);
    const auto done = a->call(hubcontract::kLeaveRoom.name, {QStringLiteral("lobby")});
    QVERIFY(done && done->hasError);
    QVERIFY(done->error.contains(QStringLiteral("lobby")));
    QVERIFY(!a->call(hubcontract::kSend.name, {QStringLiteral("still in")})->hasError);
    QVERIFY(a->waitForInvocations(hubcontract::kMessageReceived.name, 1));
}

void tst_ChatHub::badArguments_data()
{
    QTest::addColumn<QString>("method");
    QTest::addColumn<QJsonArray>("arguments");
    QTest::addColumn<QString>("errorPart");
    const QString room65(65, u'r');
    using namespace hubcontract;
    const QString send(kSend.name), sendToRoom(kSendToRoom.name), joinRoom(kJoinRoom.name),
        leaveRoom(kLeaveRoom.name), setName(kSetName.name), history(kHistory.name);
    QTest::addRow("Send no args") << send << QJsonArray {} << "expects 1 argument";
    QTest::addRow("Send two args") << send << QJsonArray {"a", "b"} << "got 2";
    QTest::addRow("Send number") << send << QJsonArray {5} << "must be a string";
    QTest::addRow("Send null") << send << QJsonArray {QJsonValue()} << "must be a string";
    QTest::addRow("Send empty") << send << QJsonArray {""} << "empty";
    QTest::addRow("Send blank") << send << QJsonArray {"   "} << "empty";
    QTest::addRow("Send too long")
        << send << QJsonArray {QString(limits::kMaxTextChars + 1, u'x')} << "longer than 4000";
    QTest::addRow("SendToRoom one arg") << sendToRoom << QJsonArray {"r"} << "expects 2 arguments";
    QTest::addRow("SendToRoom object")
        << sendToRoom << QJsonArray {QJsonObject {}, "t"} << "strings";
    QTest::addRow("SendToRoom long room")
        << sendToRoom << QJsonArray {room65, "t"} << "longer than 64";
    QTest::addRow("SendToRoom empty room") << sendToRoom << QJsonArray {"", "t"} << "empty";
    QTest::addRow("JoinRoom control char") << joinRoom << QJsonArray {"a\u0007b"} << "control";
    QTest::addRow("JoinRoom padded") << joinRoom << QJsonArray {" a"} << "spaces";
    QTest::addRow("JoinRoom array")
        << joinRoom << QJsonArray {QJsonValue(QJsonArray {})} << "must be a string";
    QTest::addRow("LeaveRoom none") << leaveRoom << QJsonArray {} << "expects 1";
    QTest::addRow("SetName long") << setName << QJsonArray {QString(65, u'n')} << "longer than 64";
    QTest::addRow("SetName empty") << setName << QJsonArray {""} << "empty";
    QTest::addRow("SetName bidi override") << setName << QJsonArray {"a\u202Eb"} << "control";
    QTest::addRow("History two args")
        << history << QJsonArray {"lobby", QJsonValue()} << "expects 3";
    QTest::addRow("History limit zero")
        << history << QJsonArray {"lobby", QJsonValue(), 0} << "limit";
    QTest::addRow("History limit big")
        << history << QJsonArray {"lobby", QJsonValue(), 1001} << "limit";
    QTest::addRow("History limit fraction")
        << history << QJsonArray {"lobby", QJsonValue(), 2.5} << "limit";
    QTest::addRow("History limit string")
        << history << QJsonArray {"lobby", QJsonValue(), "5"} << "limit";
    QTest::addRow("History after number") << history << QJsonArray {"lobby", 3, 5} << "afterId";
    QTest::addRow("History bad room")
        << history << QJsonArray {room65, QJsonValue(), 5} << "longer than 64";
}

void tst_ChatHub::badArguments()
{
    QFETCH(QString, method);
    QFETCH(QJsonArray, arguments);
    QFETCH(QString, errorPart);
    auto a = connectClient();
    QVERIFY(a);
    const auto done = a->call(method, arguments);
    QVERIFY(done);
    QVERIFY(done->hasError);
    QVERIFY2(done->error.contains(errorPart), qPrintable(done->error));
    QVERIFY(a->isOpen());
    QCOMPARE(m_node->metrics().invocationsRejected.value(QStringLiteral("bad_arguments")), 1);
    QCOMPARE(m_node->metrics().messagesReceived.value(QStringLiteral("local")), 0);
}

void tst_ChatHub::tooManyRooms()
{
    auto a = connectClient();
    QVERIFY(a);
    // The lobby counts: 31 more fit.
    for (int i = 1; i < limits::kMaxRoomsPerConnection; ++i)
        QVERIFY(!a->call(hubcontract::kJoinRoom.name, {QStringLiteral("r%1").arg(i)})->hasError);
    const auto refused = a->call(hubcontract::kJoinRoom.name, {QStringLiteral("one-too-many")});
    QVERIFY(refused && refused->hasError);
    QVERIFY(refused->error.contains(QStringLiteral("at most 32 rooms")));
    QCOMPARE(m_node->metrics().invocationsRejected.value(QStringLiteral("too_many_rooms")), 1);
    QVERIFY(!a->call(hubcontract::kLeaveRoom.name, {QStringLiteral("r1")})->hasError);
    QVERIFY(!a->call(hubcontract::kJoinRoom.name, {QStringLiteral("one-too-many")})->hasError);
    QCOMPARE(m_node->metrics().invocationsRejected.value(QStringLiteral("too_many_rooms")), 1);
}

void tst_ChatHub::unknownMethod()
{
    auto a = connectClient();
    QVERIFY(a);
    const auto done = a->call(QStringLiteral("DropTables"), {});
    QVERIFY(done && done->hasError);
    QCOMPARE(done->error, QStringLiteral("unknown method 'DropTables'"));
    QCOMPARE(m_node->metrics().invocationsRejected.value(QStringLiteral("unknown_method")), 1);
}

void tst_ChatHub::nonBlockingInvocationsRunAndErrorsAreCounted()
{
    auto a = connectClient();
    QVERIFY(a);
    a->invokeNonBlocking(hubcontract::kSend.name, {QStringLiteral("fire and forget")});
    a->invokeNonBlocking(QStringLiteral("Nope"), {});
    QVERIFY(a->waitForInvocations(hubcontract::kMessageReceived.name, 1));
    QTRY_COMPARE(m_node->metrics().invocationsRejected.value(QStringLiteral("unknown_method")), 1);
    QVERIFY(a->messagesOfType(HubMessageType::Completion).isEmpty());
}

void tst_ChatHub::historyOldestFirstAndAfter()
{
    auto a = connectClient();
    QVERIFY(a);
    QStringList ids;
    for (int i = 1; i <= 4; ++i)
        ids << a->call(hubcontract::kSend.name, {QStringLiteral("m%1").arg(i)})->result.toString();
    const auto all
        = a->call(hubcontract::kHistory.name, {QStringLiteral("lobby"), QJsonValue(), 100});
    QVERIFY(all && !all->hasError);
    QCOMPARE(all->result.toArray().size(), 4);
    QCOMPARE(all->result.toArray().first().toObject().value(field::kText).toString(),
        QStringLiteral("m1"));
    const auto after = a->call(QStringLiteral("history"), {QStringLiteral("lobby"), ids[1], 1});
    QVERIFY(after && !after->hasError);
    QCOMPARE(after->result.toArray().size(), 1);
    QCOMPARE(after->result.toArray().first().toObject().value(field::kId).toString(), ids[2]);
    const auto empty
        = a->call(hubcontract::kHistory.name, {QStringLiteral("nobody-here"), QJsonValue(), 10});
    QVERIFY(empty && !empty->hasError);
    QCOMPARE(empty->result.toArray().size(), 0);
}

void tst_ChatHub::historyOverHttpMatchesHub()
{
    auto a = connectClient();
    QVERIFY(a);
    QVERIFY(!a->call(hubcontract::kJoinRoom.name, {QStringLiteral("a b/c")})->hasError);
    const QString id
        = a->call(hubcontract::kSendToRoom.name, {QStringLiteral("a b/c"), QStringLiteral("x")})
              ->result.toString();
    const HttpReply reply = httpRequest(
        "GET", QUrl(m_node->url() + QStringLiteral("/rooms/a%20b%2Fc/messages?limit=10")));
    QCOMPARE(reply.status, 200);
    const QJsonArray array = QJsonDocument::fromJson(reply.body).array();
    QCOMPARE(array.size(), 1);
    QCOMPARE(array.first().toObject().value(field::kId).toString(), id);
    const HttpReply after = httpRequest(
        "GET", QUrl(m_node->url() + QStringLiteral("/rooms/a%20b%2Fc/messages?after=") + id));
    QCOMPARE(after.status, 200);
    QCOMPARE(QJsonDocument::fromJson(after.body).array().size(), 0);
}

void tst_ChatHub::historyKeepsOnlyTheWindow()
{
    auto a = connectClient();
    QVERIFY(a);
    for (int i = 1; i <= 8; ++i)
        QVERIFY(!a->call(hubcontract::kSend.name, {QStringLiteral("m%1").arg(i)})->hasError);
    const auto all
        = a->call(hubcontract::kHistory.name, {QStringLiteral("lobby"), QJsonValue(), 100});
    const QJsonArray array = all->result.toArray();
    QCOMPARE(array.size(), 5); // --history 5
    QCOMPARE(array.first().toObject().value(field::kText).toString(), QStringLiteral("m4"));
    QCOMPARE(array.last().toObject().value(field::kText).toString(), QStringLiteral("m8"));
}

void tst_ChatHub::textIsDataNotMarkup()
{
    auto a = connectClient();
    QVERIFY(a);
    const QString text = QStringLiteral("<script>alert(1)</script> & \"quotes\" \u00e9\U0001F600");
    QVERIFY(!a->call(hubcontract::kSend.name, {text})->hasError);
    QVERIFY(a->waitForInvocations(hubcontract::kMessageReceived.name, 1));
    QCOMPARE(received(*a, 0).value(field::kText).toString(), text);
}

void tst_ChatHub::lagCountsOnlyWhatCrossedNodes()
{
    QPointer<EchoBackplane> echo;
    auto started = startTestNode(testNodeConfig(), [&echo](BackplaneMode) {
        auto backplane = std::make_unique<EchoBackplane>();
        echo = backplane.get();
        return Result<std::unique_ptr<Backplane>>(std::move(backplane));
    });
    QVERIFY2(started.ok(), qPrintable(started.error()));
    const std::unique_ptr<Node> node = std::move(started).value();
    auto a = std::make_unique<HubTestClient>();
    QVERIFY(a->open(node->port()) && a->handshake());
    QVERIFY(!a->call(hubcontract::kSend.name, {QStringLiteral("mine")})->hasError);
    QVERIFY(a->waitForInvocations(hubcontract::kMessageReceived.name, 1));
    // The node's own message read back is no backplane lag and no arrival from streams.
    const NodeMetrics &metrics = node->metrics();
    QCOMPARE(metrics.backplaneLag.count(), 0);
    QCOMPARE(metrics.messagesReceived.value(QStringLiteral("local")), 1);
    QCOMPARE(metrics.messagesReceived.value(QStringLiteral("streams")), 0);

    ChatMessage other;
    other.id = QStringLiteral("1-1");
    other.room = QStringLiteral("lobby");
    other.from = QStringLiteral("peer");
    other.text = QStringLiteral("theirs");
    other.node = QStringLiteral("node-elsewhere");
    other.sentAt = QDateTime::currentMSecsSinceEpoch();
    other.via = Via::Streams;
    QVERIFY(echo);
    Q_EMIT echo->deliver(other);
    QVERIFY(a->waitForInvocations(hubcontract::kMessageReceived.name, 2));
    QCOMPARE(metrics.backplaneLag.count(), 1);
    QCOMPARE(metrics.messagesReceived.value(QStringLiteral("streams")), 1);
}

void tst_ChatHub::joinRoomAnswersOnceTheBackplaneReadsTheRoom()
{
    // A client sends the moment JoinRoom completes (a scenario's first step):
    // its Completion must wait until other nodes' messages reach this node.
    QPointer<EchoBackplane> echo;
    auto started = startTestNode(testNodeConfig(), [&echo](BackplaneMode) {
        auto backplane = std::make_unique<EchoBackplane>();
        echo = backplane.get();
        return Result<std::unique_ptr<Backplane>>(std::move(backplane));
    });
    QVERIFY2(started.ok(), qPrintable(started.error()));
    const std::unique_ptr<Node> node = std::move(started).value();
    auto a = std::make_unique<HubTestClient>();
    QVERIFY(a->open(node->port()) && a->handshake());
    QVERIFY(echo);
    const QString room = QStringLiteral("r1");
    echo->notReady.insert(room);
    const QString join = a->invoke(hubcontract::kJoinRoom.name, {room});
    QVERIFY(!a->waitForCompletion(join, 300));
    echo->notReady.remove(room);
    Q_EMIT echo->roomReady(room);
    const auto done = a->waitForCompletion(join);
    QVERIFY(done);
    QVERIFY(!done->hasError);
    // A room the backplane reads already is answered at once.
    const auto again = a->call(hubcontract::kJoinRoom.name, {QStringLiteral("r2")}, 1000);
    QVERIFY(again && !again->hasError);
}

QTEST_GUILESS_MAIN(tst_ChatHub)
#include "tst_chathub.moc"
