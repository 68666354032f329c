#include "client/hubconnection.h"
#include "protocol/hubprotocol.h"
#include "tests/client/fakehubserver.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>
#include <QUrlQuery>
#include <QWebSocket>

using namespace farmchat;
using farmchat::test::FakeHubServer;

namespace {

constexpr int kWaitMs = 5000;

HubConnection::Options fastOptions(bool skipNegotiation = true)
{
    HubConnection::Options options;
    options.skipNegotiation = skipNegotiation;
    options.connectTimeoutMs = 2000;
    options.reconnect.firstDelayMs = 50;
    options.reconnect.maxDelayMs = 200;
    options.reconnect.jitter = 0;
    return options;
}

// A Completion, an error or a drop: what an invoke() callback saw.
struct Outcome
{
    int calls = 0;
    bool ok = false;
    QJsonValue result;
    QString error;
};

HubConnection::Callback record(Outcome &outcome)
{
    return [&outcome](const Result<QJsonValue> &result) {
        ++outcome.calls;
        outcome.ok = result.ok();
        outcome.result = result ? result.value() : QJsonValue();
        outcome.error = result.error();
    };
}

} // namespace

class tst_HubConnection : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void connects_data();
    void connects();
    void negotiateFailures_data();
    void negotiateFailures();
    void handshakeFailures_data();
    void handshakeFailures();
    void handshakeFollowedByRecords();
    void recordsSplitAndBatched_data();
    void recordsSplitAndBatched();
    void invokeOutcomes_data();
    void invokeOutcomes();
    void invokeFailsWhenConnectionDrops();
    void invokeTimeoutAndLateCompletion();
    void invokeWhenDisconnectedFailsLater();
    void invocationIdsAreUnique();
    void sendIsNonBlockingInvocation();
    void keepAlivePingIsSent();
    void serverTimeoutTriggersReconnect();
    void reconnectBackOffAndGiveUp();
    void reconnectAfterServerRestart();
    void malformedServerRecords_data();
    void malformedServerRecords();
    void closeMessage_data();
    void closeMessage();
    void stopClosesAndFailsPending();
    void originHeader_data();
    void originHeader();
    void serverInvocationWithIdGetsError();
    void deleteInsideSignalIsSafe();
};

void tst_HubConnection::connects_data()
{
    QTest::addColumn<bool>("skipNegotiation");
    QTest::addColumn<int>("negotiateVersion");
    QTest::addColumn<QString>("expectedId");
    QTest::addRow("negotiate v1 uses connectionToken") << false << 1 << "token-v1";
    QTest::addRow("negotiate v0 uses connectionId") << false << 0 << "id-v0";
    QTest::addRow("skipNegotiation sends no id") << true << 1 << "";
}

void tst_HubConnection::connects()
{
    QFETCH(bool, skipNegotiation);
    QFETCH(int, negotiateVersion);
    QFETCH(QString, expectedId);
    FakeHubServer server;
    QVERIFY(server.listen());
    server.setNegotiateResponse(200, FakeHubServer::negotiateBody(negotiateVersion));
    HubConnection hub(server.hubUrl(), fastOptions(skipNegotiation));
    QSignalSpy connected(&hub, &HubConnection::connected);
    QSignalSpy states(&hub, &HubConnection::stateChanged);
    QVERIFY(hub.start());
    QCOMPARE(hub.state(), HubConnection::State::Connecting);
    QVERIFY(!hub.start()); // only from Disconnected
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, kWaitMs);
    QCOMPARE(hub.state(), HubConnection::State::Connected);
    QCOMPARE(states.size(), 2);
    QCOMPARE(states.at(1).at(0).value<HubConnection::State>(), HubConnection::State::Connected);

    QCOMPARE(server.negotiateRequests.size(), skipNegotiation ? 0 : 1);
    if (!skipNegotiation) {
        const QByteArray request = server.negotiateRequests.first();
        QVERIFY2(
            request.startsWith("POST /chat/negotiate?negotiateVersion=1 "), request.constData());
    }
    QCOMPARE(server.upgrades(), 1);
    QCOMPARE(server.lastPeer()->requestUrl.path(), QStringLiteral("/chat"));
    QCOMPARE(
        QUrlQuery(server.lastPeer()->requestUrl).queryItemValue(QStringLiteral("id")), expectedId);
    QCOMPARE(server.rawRecords.first(), QByteArray(R"({"protocol":"json","version":1})"));
}

void tst_HubConnection::negotiateFailures_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("reasonPart");
    QTest::addRow("http 500") << 500 << QByteArray("boom") << "HTTP 500";
    QTest::addRow("http 403") << 403 << QByteArray("origin not allowed") << "HTTP 403";
    QTest::addRow("not json") << 200 << QByteArray("<html>") << "not valid JSON";
    QTest::addRow("array") << 200 << QByteArray("[]") << "not a JSON object";
    QTest::addRow("server error field")
        << 200 << QByteArray(R"({"error":"no hub here"})") << "no hub here";
    QTest::addRow("redirect") << 200
                              << QByteArray(R"({"url":"http://elsewhere/","accessToken":"x"})")
                              << "redirect";
    QTest::addRow("v1 without token")
        << 200
        << QByteArray(R"({"negotiateVersion":1,"connectionId":"a","availableTransports":[]})")
        << "connectionToken";
    QTest::addRow("no websockets")
        << 200
        << FakeHubServer::negotiateBody(
               1, R"([{"transport":"LongPolling","transferFormats":["Text"]}])")
        << "does not offer WebSockets";
    QTest::addRow("websockets binary only")
        << 200
        << FakeHubServer::negotiateBody(
               1, R"([{"transport":"WebSockets","transferFormats":["Binary"]}])")
        << "does not offer WebSockets";
    QTest::addRow("transports not an array")
        << 200 << QByteArray(R"({"connectionId":"a","availableTransports":"WebSockets"})")
        << "availableTransports";
    QTest::addRow("oversized") << 200 << QByteArray(200 * 1024, ' ') << "larger than";
}

void tst_HubConnection::negotiateFailures()
{
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(QString, reasonPart);
    FakeHubServer server;
    QVERIFY(server.listen());
    server.setNegotiateResponse(status, body);
    HubConnection hub(server.hubUrl(), fastOptions(false));
    QSignalSpy disconnected(&hub, &HubConnection::disconnected);
    QVERIFY(hub.start());
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, kWaitMs);
    const QString reason = disconnected.first().first().toString();
    QVERIFY2(reason.contains(reasonPart), qPrintable(reason));
    QCOMPARE(hub.state(), HubConnection::State::Disconnected);
    QCOMPARE(hub.lastError(), reason);
    QCOMPARE(server.upgrades(), 0);
    // A failed first start does not retry by itself.
    QTest::qWait(300);
    QCOMPARE(server.negotiateRequests.size(), 1);
}

void tst_HubConnection::handshakeFailures_data()
{
    QTest::addColumn<int>("mode");
    QTest::addColumn<QString>("reasonPart");
    QTest::addRow("refused") << int(FakeHubServer::Handshake::Refuse)
                             << "refused the handshake: protocol 'json' v1 is not allowed here";
    QTest::addRow("garbage") << int(FakeHubServer::Handshake::Garbage)
                             << "malformed handshake response";
    QTest::addRow("silent") << int(FakeHubServer::Handshake::Silent) << "within 2000 ms";
}

void tst_HubConnection::handshakeFailures()
{
    QFETCH(int, mode);
    QFETCH(QString, reasonPart);
    FakeHubServer server;
    QVERIFY(server.listen());
    server.handshake = FakeHubServer::Handshake(mode);
    HubConnection hub(server.hubUrl(), fastOptions());
    QSignalSpy connected(&hub, &HubConnection::connected);
    QSignalSpy disconnected(&hub, &HubConnection::disconnected);
    QVERIFY(hub.start());
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, kWaitMs);
    QVERIFY2(disconnected.first().first().toString().contains(reasonPart),
        qPrintable(disconnected.first().first().toString()));
    QCOMPARE(connected.size(), 0);
    QCOMPARE(hub.state(), HubConnection::State::Disconnected);
    QTRY_COMPARE_WITH_TIMEOUT(server.openConnections(), 0, kWaitMs); // the client closed its socket
    QCOMPARE(server.upgrades(), 1);
}

void tst_HubConnection::handshakeFollowedByRecords()
{
    FakeHubServer server;
    QVERIFY(server.listen());
    server.afterHandshake = hubprotocol::writeMessage(HubMessage::ping())
        + hubprotocol::writeMessage(
            HubMessage::invocation(QStringLiteral("messageReceived"), {QStringLiteral("hi")}));
    HubConnection hub(server.hubUrl(), fastOptions());
    QSignalSpy connected(&hub, &HubConnection::connected);
    QSignalSpy invocations(&hub, &HubConnection::invocationReceived);
    hub.start();
    QTRY_COMPARE_WITH_TIMEOUT(invocations.size(), 1, kWaitMs);
    QCOMPARE(connected.size(), 1);
    QCOMPARE(invocations.first().at(0).toString(), QStringLiteral("messageReceived"));
    QCOMPARE(invocations.first().at(1).toJsonArray(), QJsonArray {QStringLiteral("hi")});
}

void tst_HubConnection::recordsSplitAndBatched_data()
{
    QTest::addColumn<QList<QByteArray>>("frames");
    QTest::addColumn<QStringList>("targets");
    const QByteArray a
        = hubprotocol::writeMessage(HubMessage::invocation(QStringLiteral("a"), {1}));
    const QByteArray b = hubprotocol::writeMessage(
        HubMessage::invocation(QStringLiteral("b"), {QStringLiteral("é☃")}));
    const QByteArray ping = hubprotocol::writeMessage(HubMessage::ping());
    QTest::addRow("one per frame") << QList<QByteArray> {a, b} << QStringList {"a", "b"};
    QTest::addRow("batched in one frame")
        << QList<QByteArray> {a + ping + b} << QStringList {"a", "b"};
    QTest::addRow("split over frames")
        << QList<QByteArray> {a.left(5), a.mid(5, 7), a.mid(12) + b.left(3), b.mid(3)}
        << QStringList {"a", "b"};
    QList<QByteArray> bytes;
    for (char c : QByteArray(a + b))
        bytes.append(QByteArray(1, c));
    // Frames must be valid UTF-8 text; split b only at ASCII positions.
    QList<QByteArray> asciiSafe;
    QByteArray current;
    for (const QByteArray &byte : std::as_const(bytes)) {
        current += byte;
        if (uchar(byte.at(0)) < 0x80) {
            asciiSafe.append(current);
            current.clear();
        }
    }
    QTest::addRow("byte by byte") << asciiSafe << QStringList {"a", "b"};
}

void tst_HubConnection::recordsSplitAndBatched()
{
    QFETCH(QList<QByteArray>, frames);
    QFETCH(QStringList, targets);
    FakeHubServer server;
    QVERIFY(server.listen());
    HubConnection hub(server.hubUrl(), fastOptions());
    QSignalSpy connected(&hub, &HubConnection::connected);
    QSignalSpy invocations(&hub, &HubConnection::invocationReceived);
    hub.start();
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, kWaitMs);
    for (const QByteArray &frame : frames)
        server.sendFrame(frame);
    QTRY_COMPARE_WITH_TIMEOUT(invocations.size(), targets.size(), kWaitMs);
    for (int i = 0; i < targets.size(); ++i)
        QCOMPARE(invocations.at(i).at(0).toString(), targets.at(i));
    QCOMPARE(invocations.at(1).at(1).toJsonArray().at(0).toString(), QStringLiteral("é☃"));
    QCOMPARE(hub.state(), HubConnection::State::Connected);
}

void tst_HubConnection::invokeOutcomes_data()
{
    QTest::addColumn<QByteArray>("completion"); // %1 is replaced by the invocation id
    QTest::addColumn<QJsonValue>("result");
    QTest::addColumn<QString>("error");
    QTest::addRow("string result") << QByteArray(R"({"type":3,"invocationId":"%1","result":"m-1"})")
                                   << QJsonValue(QStringLiteral("m-1")) << QString();
    QTest::addRow("array result") << QByteArray(R"({"type":3,"invocationId":"%1","result":[1,2]})")
                                  << QJsonValue(QJsonArray {1, 2}) << QString();
    QTest::addRow("null result") << QByteArray(R"({"type":3,"invocationId":"%1","result":null})")
                                 << QJsonValue(QJsonValue::Null) << QString();
    QTest::addRow("void") << QByteArray(R"({"type":3,"invocationId":"%1"})")
                          << QJsonValue(QJsonValue::Undefined) << QString();
    QTest::addRow("error") << QByteArray(
        R"({"type":3,"invocationId":"%1","error":"Unknown hub method 'Nope'"})")
                           << QJsonValue() << "Unknown hub method 'Nope'";
    QTest::addRow("empty error") << QByteArray(R"({"type":3,"invocationId":"%1","error":""})")
                                 << QJsonValue()
                                 << "the server reported an error without a message";
}

void tst_HubConnection::invokeOutcomes()
{
    QFETCH(QByteArray, completion);
    QFETCH(QJsonValue, result);
    QFETCH(QString, error);
    FakeHubServer server;
    QVERIFY(server.listen());
    server.onMessage = [&](FakeHubServer::Peer &peer, const HubMessage &message) {
        if (message.type == HubMessageType::Invocation) {
            peer.socket->sendTextMessage(QString::fromUtf8(completion).arg(message.invocationId)
                + QChar(hubprotocol::kRecordSeparator));
        }
    };
    HubConnection hub(server.hubUrl(), fastOptions());
    QSignalSpy connected(&hub, &HubConnection::connected);
    hub.start();
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, kWaitMs);
    Outcome outcome;
    const QString id = hub.invoke(QStringLiteral("SendToRoom"),
        {QStringLiteral("lobby"), QStringLiteral("hi")}, record(outcome));
    QVERIFY(!id.isEmpty());
    QCOMPARE(outcome.calls, 0); // never inside invoke()
    QTRY_COMPARE_WITH_TIMEOUT(outcome.calls, 1, kWaitMs);
    QCOMPARE(outcome.error, error);
    QCOMPARE(outcome.ok, error.isEmpty());
    if (error.isEmpty())
        QCOMPARE(outcome.result, result);
    QCOMPARE(server.received.first().target, QStringLiteral("SendToRoom"));
    QCOMPARE(server.received.first().invocationId, id);
    QCOMPARE(hub.pendingInvocations(), 0);
    QTest::qWait(50);
    QCOMPARE(outcome.calls, 1);
}

void tst_HubConnection::invokeFailsWhenConnectionDrops()
{
    FakeHubServer server;
    QVERIFY(server.listen());
    server.onMessage = [](FakeHubServer::Peer &, const HubMessage &) {}; // never answers
    HubConnection::Options options = fastOptions();
    options.reconnect.maxRetries = 0;
    HubConnection hub(server.hubUrl(), options);
    QSignalSpy connected(&hub, &HubConnection::connected);
    QSignalSpy disconnected(&hub, &HubConnection::disconnected);
    hub.start();
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, kWaitMs);
    Outcome first, second;
    hub.invoke(QStringLiteral("History"), {}, record(first));
    hub.invoke(QStringLiteral("History"), {}, record(second));
    QTRY_COMPARE_WITH_TIMEOUT(server.received.size(), 2, kWaitMs);
    server.abortAll();
    QTRY_COMPARE_WITH_TIMEOUT(first.calls, 1, kWaitMs);
    QCOMPARE(second.calls, 1);
    QVERIFY2(first.error.contains(u"lost before the server answered"), qPrintable(first.error));
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, kWaitMs);
    QTest::qWait(50);
    QCOMPARE(first.calls, 1);
    QCOMPARE(second.calls, 1);
}

void tst_HubConnection::invokeTimeoutAndLateCompletion()
{
    FakeHubServer server;
    QVERIFY(server.listen());
    QString heldId;
    server.onMessage
        = [&](FakeHubServer::Peer &, const HubMessage &message) { heldId = message.invocationId; };
    HubConnection hub(server.hubUrl(), fastOptions());
    QSignalSpy connected(&hub, &HubConnection::connected);
    hub.start();
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, kWaitMs);
    Outcome outcome;
    hub.invoke(QStringLiteral("Slow"), {}, record(outcome), 100);
    QTRY_COMPARE_WITH_TIMEOUT(outcome.calls, 1, kWaitMs);
    QCOMPARE(outcome.error, QStringLiteral("the server did not answer 'Slow' within 100 ms"));
    // The answer that finally comes is ignored; the connection stays up.
    QVERIFY(!heldId.isEmpty());
    server.sendMessage(HubMessage::completionResult(heldId, 1));
    QTest::qWait(100);
    QCOMPARE(outcome.calls, 1);
    QCOMPARE(hub.state(), HubConnection::State::Connected);
}

void tst_HubConnection::invokeWhenDisconnectedFailsLater()
{
    HubConnection hub(QUrl(QStringLiteral("http://127.0.0.1:1/chat")), fastOptions());
    Outcome outcome;
    QVERIFY(hub.invoke(QStringLiteral("Send"), {QStringLiteral("x")}, record(outcome)).isEmpty());
    QCOMPARE(outcome.calls, 0);
    QTRY_COMPARE_WITH_TIMEOUT(outcome.calls, 1, kWaitMs);
    QCOMPARE(outcome.error, QStringLiteral("cannot invoke 'Send': the connection is disconnected"));
    QVERIFY(!hub.send(QStringLiteral("Send"), {}));
}

void tst_HubConnection::invocationIdsAreUnique()
{
    FakeHubServer server;
    QVERIFY(server.listen());
    HubConnection hub(server.hubUrl(), fastOptions());
    QSignalSpy connected(&hub, &HubConnection::connected);
    QSignalSpy reconnected(&hub, &HubConnection::reconnected);
    hub.start();
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, kWaitMs);
    QSet<QString> ids;
    int answered = 0;
    for (int i = 0; i < 50; ++i)
        ids.insert(hub.invoke(
            QStringLiteral("Ping"), {}, [&](const Result<QJsonValue> &) { ++answered; }));
    QTRY_COMPARE_WITH_TIMEOUT(answered, 50, kWaitMs);
    // Ids stay unique across a reconnect, so a stale Completion can never match.
    server.abortAll();
    QTRY_COMPARE_WITH_TIMEOUT(reconnected.size(), 1, kWaitMs);
    for (int i = 0; i < 50; ++i)
        ids.insert(hub.invoke(
            QStringLiteral("Ping"), {}, [&](const Result<QJsonValue> &) { ++answered; }));
    QTRY_COMPARE_WITH_TIMEOUT(answered, 100, kWaitMs);
    QCOMPARE(ids.size(), 100);
}

void tst_HubConnection::sendIsNonBlockingInvocation()
{
    FakeHubServer server;
    QVERIFY(server.listen());
    HubConnection hub(server.hubUrl(), fastOptions());
    QSignalSpy connected(&hub, &HubConnection::connected);
    hub.start();
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, kWaitMs);
    QVERIFY(hub.send(QStringLiteral("SetName"), {QStringLiteral("ann")}));
    QTRY_COMPARE_WITH_TIMEOUT(server.received.size(), 1, kWaitMs);
    QCOMPARE(server.received.first().target, QStringLiteral("SetName"));
    QVERIFY(server.received.first().invocationId.isEmpty());
    QCOMPARE(server.rawRecords.last(),
        QByteArray(R"({"arguments":["ann"],"target":"SetName","type":1})"));
}

void tst_HubConnection::keepAlivePingIsSent()
{
    FakeHubServer server;
    QVERIFY(server.listen());
    HubConnection::Options options = fastOptions();
    options.keepAliveIntervalMs = 100;
    HubConnection hub(server.hubUrl(), options);
    QSignalSpy connected(&hub, &HubConnection::connected);
    hub.start();
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, kWaitMs);
    QElapsedTimer clock;
    clock.start();
    QTRY_VERIFY_WITH_TIMEOUT(server.received.size() >= 3, kWaitMs);
    QVERIFY(clock.elapsed() >= 250); // pings are spaced, not a burst
    for (const HubMessage &message : std::as_const(server.received))
        QCOMPARE(message.type, HubMessageType::Ping);
    QCOMPARE(server.rawRecords.last(), QByteArray(R"({"type":6})"));
}

void tst_HubConnection::serverTimeoutTriggersReconnect()
{
    FakeHubServer server;
    QVERIFY(server.listen());
    HubConnection::Options options = fastOptions();
    options.serverTimeoutMs = 300;
    HubConnection hub(server.hubUrl(), options);
    QSignalSpy connected(&hub, &HubConnection::connected);
    QSignalSpy reconnecting(&hub, &HubConnection::reconnecting);
    QSignalSpy reconnected(&hub, &HubConnection::reconnected);
    hub.start();
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, kWaitMs);
    // Traffic from the server keeps the connection alive past the timeout.
    for (int i = 0; i < 6; ++i) {
        QTest::qWait(100);
        server.sendMessage(HubMessage::ping());
    }
    QCOMPARE(reconnecting.size(), 0);
    // Then silence.
    QTRY_COMPARE_WITH_TIMEOUT(reconnecting.size(), 1, kWaitMs);
    QCOMPARE(reconnecting.first().first().toString(),
        QStringLiteral("the server sent nothing for 300 ms"));
    QTRY_COMPARE_WITH_TIMEOUT(reconnected.size(), 1, kWaitMs);
    QCOMPARE(server.upgrades(), 2);
    QCOMPARE(hub.state(), HubConnection::State::Connected);
    hub.stop();
}

void tst_HubConnection::reconnectBackOffAndGiveUp()
{
    FakeHubServer server;
    QVERIFY(server.listen());
    HubConnection::Options options = fastOptions();
    options.reconnect.firstDelayMs = 100;
    options.reconnect.maxDelayMs = 250;
    options.reconnect.maxRetries = 4;
    HubConnection hub(server.hubUrl(), options);
    QSignalSpy connected(&hub, &HubConnection::connected);
    QSignalSpy reconnecting(&hub, &HubConnection::reconnecting);
    QSignalSpy disconnected(&hub, &HubConnection::disconnected);
    hub.start();
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, kWaitMs);

    // Every later attempt reaches the server but is refused at the handshake.
    server.handshake = FakeHubServer::Handshake::Refuse;
    QList<qint64> attemptTimes;
    QElapsedTimer clock;
    connect(&server, &FakeHubServer::peerConnected, this,
        [&] { attemptTimes.append(clock.elapsed()); });
    clock.start();
    server.abortAll();
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, kWaitMs);
    QCOMPARE(reconnecting.size(), 1);
    QCOMPARE(attemptTimes.size(), 4);
    const QString reason = disconnected.first().first().toString();
    QVERIFY2(reason.startsWith(
                 u"gave up reconnecting after 4 attempts: the server refused the handshake"),
        qPrintable(reason));
    // Delays 0, 100, 200, 250 (capped): check the gaps between attempts.
    const QList<int> expected {100, 200, 250};
    for (int i = 0; i < expected.size(); ++i) {
        const qint64 gap = attemptTimes.at(i + 1) - attemptTimes.at(i);
        // Coarse timers may fire up to 5 % early.
        QVERIFY2(gap >= expected.at(i) * 9 / 10 && gap < expected.at(i) + 400,
            qPrintable(QStringLiteral("gap %1 was %2 ms, expected about %3")
                           .arg(i)
                           .arg(gap)
                           .arg(expected.at(i))));
    }
    QVERIFY2(attemptTimes.first() < 300, qPrintable(QString::number(attemptTimes.first())));
    QCOMPARE(hub.state(), HubConnection::State::Disconnected);
}

void tst_HubConnection::reconnectAfterServerRestart()
{
    auto server = std::make_unique<FakeHubServer>();
    QVERIFY(server->listen());
    const quint16 port = server->port();
    HubConnection hub(server->hubUrl(), fastOptions(false));
    QSignalSpy connected(&hub, &HubConnection::connected);
    QSignalSpy reconnecting(&hub, &HubConnection::reconnecting);
    QSignalSpy reconnected(&hub, &HubConnection::reconnected);
    hub.start();
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, kWaitMs);
    server.reset(); // the whole server goes away: connection refused for a while
    QTRY_COMPARE_WITH_TIMEOUT(reconnecting.size(), 1, kWaitMs);
    QCOMPARE(hub.state(), HubConnection::State::Reconnecting);
    QTest::qWait(400); // several refused attempts
    server = std::make_unique<FakeHubServer>();
    QVERIFY(server->listen(port));
    QTRY_COMPARE_WITH_TIMEOUT(reconnected.size(), 1, kWaitMs);
    QCOMPARE(server->negotiateRequests.size(), 1); // negotiates again on reconnect
    QCOMPARE(connected.size(), 1);
    QCOMPARE(hub.state(), HubConnection::State::Connected);
}

void tst_HubConnection::malformedServerRecords_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<bool>("binary");
    QTest::addColumn<QString>("reasonPart");
    QTest::addColumn<int>("repeat");
    QTest::addRow("not json") << QByteArray("{nope\x1e") << false
                              << "malformed message: message is not valid JSON" << 1;
    QTest::addRow("not an object") << QByteArray("[1]\x1e") << false << "not a JSON object" << 1;
    QTest::addRow("no type") << QByteArray("{}\x1e") << false << "no integer 'type'" << 1;
    QTest::addRow("unknown type") << QByteArray(R"({"type":99})"
                                                "\x1e")
                                  << false << "unknown message type 99" << 1;
    QTest::addRow("completion without id") << QByteArray(R"({"type":3,"result":1})"
                                                         "\x1e")
                                           << false << "completion has no 'invocationId'" << 1;
    QTest::addRow("invocation without target") << QByteArray(R"({"type":1,"arguments":[]})"
                                                             "\x1e")
                                               << false << "no 'target'" << 1;
    QTest::addRow("close with numeric error") << QByteArray(R"({"type":7,"error":5})"
                                                            "\x1e")
                                              << false << "close 'error' is not a string" << 1;
    QTest::addRow("binary frame") << QByteArray("\x01\x02") << true << "binary frame" << 1;
    QTest::addRow("endless record")
        << QByteArray(3000, 'x') << false << "longer than 4096 bytes" << 2;
}

void tst_HubConnection::malformedServerRecords()
{
    QFETCH(QByteArray, frame);
    QFETCH(bool, binary);
    QFETCH(QString, reasonPart);
    QFETCH(int, repeat);
    FakeHubServer server;
    QVERIFY(server.listen());
    HubConnection::Options options = fastOptions();
    options.maxMessageBytes = 4096;
    HubConnection hub(server.hubUrl(), options);
    QSignalSpy connected(&hub, &HubConnection::connected);
    QSignalSpy reconnecting(&hub, &HubConnection::reconnecting);
    QSignalSpy reconnected(&hub, &HubConnection::reconnected);
    hub.start();
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, kWaitMs);
    Outcome outcome;
    server.onMessage = [](FakeHubServer::Peer &, const HubMessage &) {};
    hub.invoke(QStringLiteral("Wait"), {}, record(outcome));
    QTRY_COMPARE_WITH_TIMEOUT(server.received.size(), 1, kWaitMs);
    for (int i = 0; i < repeat; ++i) {
        if (binary)
            server.sendBinary(frame);
        else
            server.sendFrame(frame);
    }
    QTRY_COMPARE_WITH_TIMEOUT(reconnecting.size(), 1, kWaitMs);
    const QString reason = reconnecting.first().first().toString();
    QVERIFY2(reason.contains(reasonPart), qPrintable(reason));
    QCOMPARE(outcome.calls, 1);
    QVERIFY(outcome.error.contains(reasonPart));
    // The client hung up on the bad server and got back in with a fresh connection.
    QTRY_COMPARE_WITH_TIMEOUT(reconnected.size(), 1, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(server.openConnections(), 1, kWaitMs);
}

void tst_HubConnection::closeMessage_data()
{
    QTest::addColumn<bool>("allowReconnect");
    QTest::addColumn<QString>("error");
    QTest::addRow("close with allowReconnect") << true << "node shutting down";
    QTest::addRow("close without allowReconnect") << false << "Connection closed with an error.";
    QTest::addRow("close without error") << false << "";
}

void tst_HubConnection::closeMessage()
{
    QFETCH(bool, allowReconnect);
    QFETCH(QString, error);
    FakeHubServer server;
    QVERIFY(server.listen());
    HubConnection hub(server.hubUrl(), fastOptions());
    QSignalSpy connected(&hub, &HubConnection::connected);
    QSignalSpy reconnecting(&hub, &HubConnection::reconnecting);
    QSignalSpy reconnected(&hub, &HubConnection::reconnected);
    QSignalSpy disconnected(&hub, &HubConnection::disconnected);
    hub.start();
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, kWaitMs);
    server.sendMessage(HubMessage::close(error, allowReconnect));
    const QString expected = error.isEmpty()
        ? QStringLiteral("the server closed the connection")
        : QStringLiteral("the server closed the connection: ") + error;
    if (allowReconnect) {
        QTRY_COMPARE_WITH_TIMEOUT(reconnecting.size(), 1, kWaitMs);
        QCOMPARE(reconnecting.first().first().toString(), expected);
        QTRY_COMPARE_WITH_TIMEOUT(reconnected.size(), 1, kWaitMs);
        QCOMPARE(server.upgrades(), 2);
    } else {
        QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, kWaitMs);
        QCOMPARE(disconnected.first().first().toString(), expected);
        QCOMPARE(hub.lastError(), expected);
        QTest::qWait(300);
        QCOMPARE(reconnecting.size(), 0);
        QCOMPARE(server.upgrades(), 1);
        QCOMPARE(hub.state(), HubConnection::State::Disconnected);
    }
}

void tst_HubConnection::stopClosesAndFailsPending()
{
    FakeHubServer server;
    QVERIFY(server.listen());
    server.onMessage = [](FakeHubServer::Peer &, const HubMessage &) {};
    HubConnection hub(server.hubUrl(), fastOptions());
    QSignalSpy connected(&hub, &HubConnection::connected);
    QSignalSpy disconnected(&hub, &HubConnection::disconnected);
    QSignalSpy reconnecting(&hub, &HubConnection::reconnecting);
    hub.start();
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, kWaitMs);
    QSignalSpy serverSideClosed(server.lastPeer()->socket.data(), &QWebSocket::disconnected);
    Outcome outcome;
    hub.invoke(QStringLiteral("Wait"), {}, record(outcome));
    hub.stop();
    QCOMPARE(hub.state(), HubConnection::State::Disconnected);
    QCOMPARE(disconnected.size(), 1);
    QCOMPARE(outcome.calls, 1);
    QCOMPARE(outcome.error, QStringLiteral("the connection was stopped"));
    QTRY_COMPARE_WITH_TIMEOUT(serverSideClosed.size(), 1, kWaitMs);
    QCOMPARE(server.lastPeer()->socket->closeCode(), QWebSocketProtocol::CloseCodeNormal);
    hub.stop(); // idempotent
    QCOMPARE(disconnected.size(), 1);
    QTest::qWait(200);
    QCOMPARE(reconnecting.size(), 0);
    QCOMPARE(server.upgrades(), 1);
    // And it can start again.
    QVERIFY(hub.start());
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 2, kWaitMs);
}

void tst_HubConnection::originHeader_data()
{
    QTest::addColumn<QString>("origin");
    QTest::addRow("none") << QString();
    QTest::addRow("set") << QStringLiteral("http://127.0.0.1:9091");
}

void tst_HubConnection::originHeader()
{
    QFETCH(QString, origin);
    FakeHubServer server;
    QVERIFY(server.listen());
    HubConnection::Options options = fastOptions(false);
    options.origin = origin;
    HubConnection hub(server.hubUrl(), options);
    QSignalSpy connected(&hub, &HubConnection::connected);
    hub.start();
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, kWaitMs);
    QCOMPARE(server.lastPeer()->origin, origin);
    const QByteArray negotiate = server.negotiateRequests.first().toLower();
    QCOMPARE(negotiate.contains("\r\norigin: "), !origin.isEmpty());
    if (!origin.isEmpty())
        QVERIFY(negotiate.contains(QByteArray("\r\norigin: " + origin.toUtf8())));
}

void tst_HubConnection::serverInvocationWithIdGetsError()
{
    FakeHubServer server;
    QVERIFY(server.listen());
    HubConnection hub(server.hubUrl(), fastOptions());
    QSignalSpy connected(&hub, &HubConnection::connected);
    QSignalSpy invocations(&hub, &HubConnection::invocationReceived);
    hub.start();
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, kWaitMs);
    server.sendMessage(
        HubMessage::invocation(QStringLiteral("askClient"), {}, QStringLiteral("77")));
    QTRY_COMPARE_WITH_TIMEOUT(server.received.size(), 1, kWaitMs);
    QCOMPARE(server.received.first().type, HubMessageType::Completion);
    QCOMPARE(server.received.first().invocationId, QStringLiteral("77"));
    QVERIFY(server.received.first().hasError);
    QCOMPARE(invocations.size(), 1);
}

void tst_HubConnection::deleteInsideSignalIsSafe()
{
    FakeHubServer server;
    QVERIFY(server.listen());
    server.afterHandshake
        = hubprotocol::writeMessage(HubMessage::invocation(QStringLiteral("first"), {}))
        + hubprotocol::writeMessage(HubMessage::invocation(QStringLiteral("second"), {}));
    auto hub = std::make_unique<HubConnection>(server.hubUrl(), fastOptions());
    int seen = 0;
    connect(hub.get(), &HubConnection::invocationReceived, this, [&] {
        ++seen;
        hub.reset(); // a careless owner deletes the connection from a slot
    });
    hub->start();
    QTRY_COMPARE_WITH_TIMEOUT(seen, 1, kWaitMs);
    QTest::qWait(100);
    QCOMPARE(seen, 1); // the second record was not dispatched into a dead object
}

QTEST_GUILESS_MAIN(tst_HubConnection)
#include "tst_hubconnection.moc"
