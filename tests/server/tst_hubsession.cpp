#include "protocol/hubcontract.h"
#include "protocol/hubprotocol.h"
#include "server/chathub_p.h"
#include "server/httprequestparser.h"
#include "server/httpserver_p.h"
#include "server/tcpconnection_p.h"
#include "server/websockethandshake_p.h"
#include "tests/server/hubtestclient.h"
#include "tests/server/nodefixture.h"
#include "tests/support/testhttp.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QUrlQuery>

using namespace farmchat;
using namespace farmchat::test;

// The connection layer of the hub protocol, driven through a real QWebSocket
// against an in-process node on a free port.
class tst_HubSession : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void negotiate_data();
    void negotiate();
    void withoutIdLikeSkipNegotiation();
    void unknownOrReusedIdIsRefused_data();
    void unknownOrReusedIdIsRefused();
    void handshake_data();
    void handshake();
    void handshakeTimeout();
    void severalRecordsInOneFrame();
    void recordSplitOverFrames();
    void serverPingsWhenIdle();
    void silentClientIsDropped();
    void talkingClientStays();
    void badRecordsClose_data();
    void badRecordsClose();
    void binaryFrameCloses();
    void oversizedMessageCloses();
    void streamingIsRefused();
    void rateLimit();
    void clientCloseMessage();
    void capacity();
    void capacityAfterUpgrade();
    void pingIsAnsweredWithPong();
    void webSocketCloseIsEchoed();

private:
    std::unique_ptr<Node> start(NodeConfig config = testNodeConfig())
    {
        auto started = startTestNode(config);
        if (!started) {
            qWarning("node did not start: %s", qPrintable(started.error()));
            return nullptr;
        }
        return std::move(started).value();
    }
};

void tst_HubSession::negotiate_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<int>("version");
    QTest::addRow("v1") << "?negotiateVersion=1" << 1;
    QTest::addRow("v0 explicit") << "?negotiateVersion=0" << 0;
    QTest::addRow("v0 implicit") << "" << 0;
    QTest::addRow("future version answers 1") << "?negotiateVersion=7" << 1;
}

void tst_HubSession::negotiate()
{
    QFETCH(QString, query);
    QFETCH(int, version);
    auto node = start();
    QVERIFY(node);
    const HttpReply reply
        = httpRequest("POST", QUrl(node->url() + QStringLiteral("/chat/negotiate") + query));
    QCOMPARE(reply.status, 200);
    const QJsonObject o = QJsonDocument::fromJson(reply.body).object();
    QVERIFY(!o.value(u"connectionId").toString().isEmpty());
    const QJsonObject transport = o.value(u"availableTransports").toArray().first().toObject();
    QCOMPARE(transport.value(u"transport").toString(), QStringLiteral("WebSockets"));
    QCOMPARE(transport.value(u"transferFormats").toArray(), QJsonArray {QStringLiteral("Text")});
    QString id;
    if (version == 1) {
        QCOMPARE(o.value(u"negotiateVersion").toInt(), 1);
        id = o.value(u"connectionToken").toString();
        QVERIFY(!id.isEmpty());
        QVERIFY(id != o.value(u"connectionId").toString());
    } else {
        QVERIFY(!o.contains(u"connectionToken"));
        id = o.value(u"connectionId").toString();
    }
    HubTestClient client;
    QVERIFY(client.open(node->port(), id));
    QVERIFY(client.handshake());
    const auto done = client.call(hubcontract::kSend.name, {QStringLiteral("hi")});
    QVERIFY(done);
    QVERIFY(!done->hasError);
}

void tst_HubSession::withoutIdLikeSkipNegotiation()
{
    auto node = start();
    QVERIFY(node);
    HubTestClient client;
    QVERIFY(client.open(node->port()));
    QVERIFY(client.handshake());
    QTRY_COMPARE(node->clientCount(), 1);
}

void tst_HubSession::unknownOrReusedIdIsRefused_data()
{
    QTest::addColumn<bool>("reuse");
    QTest::addRow("unknown") << false;
    QTest::addRow("reused") << true;
}

void tst_HubSession::unknownOrReusedIdIsRefused()
{
    QFETCH(bool, reuse);
    auto node = start();
    QVERIFY(node);
    QString id = QStringLiteral("not-a-token");
    HubTestClient first;
    if (reuse) {
        QVERIFY(first.connectNegotiated(node->port()));
        // The token is single-use; take it from the first client's URL.
        id = QUrlQuery(first.socket().requestUrl()).queryItemValue(QStringLiteral("id"));
        QVERIFY(!id.isEmpty());
    }
    // Refused before the upgrade, as ASP.NET Core does: a load balancer
    // without sticky sessions sent the negotiate to another node.
    QTcpSocket socket; // the node runs in this thread: no blocking waits
    socket.connectToHost(QHostAddress::LocalHost, node->port());
    socket.write("GET /chat?id=" + QUrl::toPercentEncoding(id)
        + " HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(node->port())
        + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    QByteArray answer;
    QTRY_VERIFY_WITH_TIMEOUT(
        (answer += socket.readAll()).contains("No Connection with that ID"), 5000);
    QVERIFY2(answer.startsWith("HTTP/1.1 404"), answer.constData());
    QVERIFY2(answer.contains("No Connection with that ID"), answer.constData());
    QCOMPARE(node->metrics().connectionsRejected.value(QStringLiteral("unknown_connection_id")), 1);
    QCOMPARE(node->clientCount(), reuse ? 1 : 0);
    if (reuse)
        QVERIFY(first.isOpen());
}

void tst_HubSession::handshake_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QString>("errorPart"); // empty: accepted
    QTest::addColumn<int>("closeCode");
    QTest::addRow("json 1") << QByteArray("{\"protocol\":\"json\",\"version\":1}\x1e") << "" << -1;
    QTest::addRow("messagepack") << QByteArray("{\"protocol\":\"messagepack\",\"version\":1}\x1e")
                                 << "messagepack" << 1000;
    QTest::addRow("json 2") << QByteArray("{\"protocol\":\"json\",\"version\":2}\x1e")
                            << "version 2" << 1000;
    QTest::addRow("not json") << QByteArray("hello\x1e") << "not valid JSON" << 1002;
    QTest::addRow("no version") << QByteArray("{\"protocol\":\"json\"}\x1e") << "version" << 1002;
}

void tst_HubSession::handshake()
{
    QFETCH(QByteArray, request);
    QFETCH(QString, errorPart);
    QFETCH(int, closeCode);
    auto node = start();
    QVERIFY(node);
    HubTestClient client;
    QVERIFY(client.open(node->port()));
    client.sendText(request);
    if (errorPart.isEmpty()) {
        QTRY_COMPARE(client.handshakeResponse(), QByteArray("{}"));
        QVERIFY(client.isOpen());
        return;
    }
    QVERIFY(client.waitForClosed());
    const auto response = hubprotocol::parseHandshakeResponse(client.handshakeResponse());
    QVERIFY(response);
    QVERIFY2(response->error.contains(errorPart), qPrintable(response->error));
    QCOMPARE(client.closeCode(), closeCode);
    QCOMPARE(node->clientCount(), 0);
}

void tst_HubSession::handshakeTimeout()
{
    NodeConfig config = testNodeConfig();
    config.handshakeTimeoutMs = 200;
    auto node = start(config);
    QVERIFY(node);
    HubTestClient client;
    QVERIFY(client.open(node->port()));
    QVERIFY(client.waitForClosed(3000));
    QVERIFY(client.handshakeResponse().contains("handshake timeout"));
    QCOMPARE(node->metrics().connectionsClosed.value(QStringLiteral("handshake_timeout")), 1);
}

void tst_HubSession::severalRecordsInOneFrame()
{
    auto node = start();
    QVERIFY(node);
    HubTestClient client;
    QVERIFY(client.open(node->port()));
    // Handshake, a ping and two invocations, all in one WebSocket message.
    client.sendText(hubprotocol::writeHandshakeRequest()
        + hubprotocol::writeMessage(HubMessage::ping())
        + hubprotocol::writeMessage(HubMessage::invocation(
            hubcontract::kSetName.name, {QStringLiteral("ann")}, QStringLiteral("1")))
        + hubprotocol::writeMessage(HubMessage::invocation(
            hubcontract::kSend.name, {QStringLiteral("x")}, QStringLiteral("2"))));
    QVERIFY(client.waitForCompletion(QStringLiteral("1")));
    const auto sent = client.waitForCompletion(QStringLiteral("2"));
    QVERIFY(sent);
    QVERIFY(!sent->hasError);
    QVERIFY(client.waitForInvocations(hubcontract::kMessageReceived.name, 1));
    QCOMPARE(client.invocations(hubcontract::kMessageReceived.name)
                 .first()
                 .arguments[0]
                 .toObject()
                 .value(u"from")
                 .toString(),
        QStringLiteral("ann"));
}

void tst_HubSession::recordSplitOverFrames()
{
    auto node = start();
    QVERIFY(node);
    HubTestClient client;
    QVERIFY(client.open(node->port()));
    const QByteArray handshake = hubprotocol::writeHandshakeRequest();
    client.sendText(handshake.left(5));
    client.sendText(handshake.mid(5));
    QTRY_COMPARE(client.handshakeResponse(), QByteArray("{}"));
    const QByteArray record = hubprotocol::writeMessage(HubMessage::invocation(
        hubcontract::kSend.name, {QStringLiteral("split")}, QStringLiteral("9")));
    for (qsizetype i = 0; i < record.size(); i += 7)
        client.sendText(record.mid(i, 7));
    const auto done = client.waitForCompletion(QStringLiteral("9"));
    QVERIFY(done);
    QVERIFY(!done->hasError);
}

void tst_HubSession::serverPingsWhenIdle()
{
    NodeConfig config = testNodeConfig();
    config.keepAliveMs = 100;
    auto node = start(config);
    QVERIFY(node);
    HubTestClient client;
    QVERIFY(client.open(node->port()));
    QVERIFY(client.handshake());
    QTRY_VERIFY_WITH_TIMEOUT(client.messagesOfType(HubMessageType::Ping).size() >= 2, 3000);
}

void tst_HubSession::silentClientIsDropped()
{
    NodeConfig config = testNodeConfig();
    config.keepAliveMs = 100;
    config.clientTimeoutMs = 400;
    auto node = start(config);
    QVERIFY(node);
    HubTestClient client;
    QVERIFY(client.open(node->port()));
    QVERIFY(client.handshake());
    QVERIFY(client.waitForClosed(3000));
    QVERIFY(client.closeMessage());
    QVERIFY(client.closeMessage()->error.contains(QStringLiteral("server timeout")));
    QVERIFY(client.closeMessage()->allowReconnect);
    QCOMPARE(client.closeCode(), 1000);
    QCOMPARE(node->metrics().connectionsClosed.value(QStringLiteral("timeout")), 1);
    QTRY_COMPARE(node->clientCount(), 0);
}

void tst_HubSession::talkingClientStays()
{
    NodeConfig config = testNodeConfig();
    config.keepAliveMs = 100;
    config.clientTimeoutMs = 400;
    auto node = start(config);
    QVERIFY(node);
    HubTestClient client;
    QVERIFY(client.open(node->port()));
    QVERIFY(client.handshake());
    for (int i = 0; i < 8; ++i) {
        client.sendText(hubprotocol::writeMessage(HubMessage::ping()));
        QTest::qWait(150);
    }
    QVERIFY(client.isOpen());
}

void tst_HubSession::badRecordsClose_data()
{
    QTest::addColumn<QByteArray>("record");
    QTest::addColumn<int>("closeCode");
    QTest::addColumn<QString>("errorPart");
    QTest::addRow("malformed json") << QByteArray("{\"type\":1,\x1e") << 1002 << "not valid JSON";
    QTest::addRow("not an object") << QByteArray("[1,2]\x1e") << 1002 << "not a JSON object";
    QTest::addRow("no type") << QByteArray("{\"target\":\"Send\"}\x1e") << 1002 << "type";
    QTest::addRow("unknown type") << QByteArray("{\"type\":42}\x1e") << 1002
                                  << "unknown message type 42";
    QTest::addRow("invocation without target")
        << QByteArray("{\"type\":1,\"arguments\":[]}\x1e") << 1002 << "target";
    QTest::addRow("arguments not array")
        << QByteArray("{\"type\":1,\"target\":\"Send\",\"arguments\":\"x\"}\x1e") << 1002
        << "arguments";
    QTest::addRow("ack (stateful reconnect)")
        << QByteArray("{\"type\":8,\"sequenceId\":1}\x1e") << 1003 << "stateful reconnect";
    QTest::addRow("sequence (stateful reconnect)")
        << QByteArray("{\"type\":9,\"sequenceId\":1}\x1e") << 1003 << "stateful reconnect";
    QTest::addRow("empty record") << QByteArray("\x1e") << 1002 << "JSON";
}

void tst_HubSession::badRecordsClose()
{
    QFETCH(QByteArray, record);
    QFETCH(int, closeCode);
    QFETCH(QString, errorPart);
    auto node = start();
    QVERIFY(node);
    HubTestClient client;
    QVERIFY(client.open(node->port()));
    QVERIFY(client.handshake());
    client.sendText(record);
    QVERIFY(client.waitForClosed());
    QCOMPARE(client.closeCode(), closeCode);
    QVERIFY(client.closeMessage());
    QVERIFY2(
        client.closeMessage()->error.contains(errorPart), qPrintable(client.closeMessage()->error));
    QCOMPARE(node->metrics().connectionsClosed.value(QStringLiteral("protocol_error")), 1);
}

void tst_HubSession::binaryFrameCloses()
{
    auto node = start();
    QVERIFY(node);
    HubTestClient client;
    QVERIFY(client.open(node->port()));
    QVERIFY(client.handshake());
    client.socket().sendBinaryMessage(QByteArray("\x93\x01\x80", 3));
    QVERIFY(client.waitForClosed());
    QCOMPARE(client.closeCode(), 1003);
    QVERIFY(client.closeMessage());
    QVERIFY(client.closeMessage()->error.contains(QStringLiteral("binary")));
}

void tst_HubSession::oversizedMessageCloses()
{
    NodeConfig config = testNodeConfig();
    config.maxMessageBytes = 1024;
    auto node = start(config);
    QVERIFY(node);
    HubTestClient client;
    QVERIFY(client.open(node->port()));
    QVERIFY(client.handshake());
    QVERIFY(client.call(hubcontract::kSend.name, {QString(900, u'a')})); // under the limit: fine
    client.sendText(hubprotocol::writeMessage(HubMessage::invocation(
        hubcontract::kSend.name, {QString(2000, u'a')}, QStringLiteral("big"))));
    QVERIFY(client.waitForClosed());
    QCOMPARE(client.closeCode(), 1009);
    QCOMPARE(node->metrics().connectionsClosed.value(QStringLiteral("message_too_big")), 1);
    QCOMPARE(httpRequest("GET", QUrl(node->url() + QStringLiteral("/health"))).status, 200);
}

void tst_HubSession::streamingIsRefused()
{
    auto node = start();
    QVERIFY(node);
    HubTestClient client;
    QVERIFY(client.open(node->port()));
    QVERIFY(client.handshake());
    client.sendText(R"({"type":4,"invocationId":"s1","target":"Send","arguments":["x"]})"
                    "\x1e");
    const auto stream = client.waitForCompletion(QStringLiteral("s1"));
    QVERIFY(stream);
    QCOMPARE(stream->error, QStringLiteral("streaming is not supported"));
    client.sendText(
        R"({"type":1,"invocationId":"s2","target":"Send","arguments":[],"streamIds":["0"]})"
        "\x1e");
    const auto upload = client.waitForCompletion(QStringLiteral("s2"));
    QVERIFY(upload);
    QCOMPARE(upload->error, QStringLiteral("streaming is not supported"));
    // Items and cancels for refused streams do no harm.
    client.sendText(R"({"type":2,"invocationId":"0","item":"x"})"
                    "\x1e"
                    R"({"type":5,"invocationId":"s1"})"
                    "\x1e");
    QVERIFY(client.call(hubcontract::kSend.name, {QStringLiteral("still here")}));
}

void tst_HubSession::rateLimit()
{
    NodeConfig config = testNodeConfig();
    config.rateLimit = 5;
    auto node = start(config);
    QVERIFY(node);
    HubTestClient client;
    QVERIFY(client.open(node->port()));
    QVERIFY(client.handshake());
    QStringList ids;
    for (int i = 0; i < 7; ++i)
        ids << client.invoke(hubcontract::kSetName.name, {QStringLiteral("n%1").arg(i)});
    int refused = 0;
    for (const QString &id : ids) {
        const auto done = client.waitForCompletion(id);
        QVERIFY(done);
        if (done->hasError) {
            QVERIFY(done->error.contains(QStringLiteral("rate limit exceeded")));
            ++refused;
        }
    }
    // Five fit the burst; a sixth may have refilled while the frames travelled.
    QVERIFY2(refused >= 1 && refused <= 2, qPrintable(QString::number(refused)));
    QVERIFY(client.isOpen());
    // Hammering on past ten seconds' worth of refusals in one second ends the connection.
    for (int i = 0; i < 80; ++i)
        client.invokeNonBlocking(hubcontract::kSetName.name, {QStringLiteral("x")});
    QVERIFY(client.waitForClosed());
    QCOMPARE(client.closeCode(), 1008);
    QVERIFY(client.closeMessage()->error.contains(QStringLiteral("rate limit")));
    QVERIFY(node->metrics().invocationsRejected.value(QStringLiteral("rate_limited")) >= 6);
}

void tst_HubSession::clientCloseMessage()
{
    auto node = start();
    QVERIFY(node);
    HubTestClient client;
    QVERIFY(client.open(node->port()));
    QVERIFY(client.handshake());
    QTRY_COMPARE(node->clientCount(), 1);
    client.sendText(hubprotocol::writeMessage(HubMessage::close()));
    QVERIFY(client.waitForClosed());
    QCOMPARE(client.closeCode(), 1000);
    QTRY_COMPARE(node->clientCount(), 0);
    QTRY_COMPARE(node->metrics().connectionsCurrent, 0);
}

void tst_HubSession::capacity()
{
    NodeConfig config = testNodeConfig();
    config.maxConnections = 2;
    auto node = start(config);
    QVERIFY(node);
    HubTestClient a, b, c;
    QVERIFY(a.open(node->port()));
    QVERIFY(b.open(node->port()));
    QVERIFY(!c.open(node->port()));
    QCOMPARE(node->metrics().connectionsRejected.value(QStringLiteral("capacity")), 1);
    const QByteArray refused = exchange(node->port(),
        "GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
    QVERIFY2(refused.startsWith("HTTP/1.1 503"), refused.constData());
    QVERIFY(refused.contains("--max-connections"));
    a.socket().close();
    QTRY_COMPARE(node->metrics().connectionsCurrent, 1);
    HubTestClient d;
    QVERIFY(d.open(node->port()));
}

void tst_HubSession::capacityAfterUpgrade()
{
    NodeConfig config = testNodeConfig();
    config.maxConnections = 1;
    auto node = start(config);
    QVERIFY(node);
    HubTestClient a;
    QVERIFY(a.open(node->port()));
    QTRY_COMPARE(node->metrics().connectionsCurrent, 1);
    // A WebSocket past the upgrade gate although the node is full. The gate
    // counts upgrades in flight, so only a bug gets here; the cap holds anyway.
    // The connection is accepted beside the node and upgraded by hand as
    // HttpServer does (101 queued), then handed to the node.
    DescriptorServer side;
    QVERIFY(side.listen(QHostAddress::LocalHost, 0));
    qintptr accepted = -1;
    connect(&side, &DescriptorServer::descriptorAccepted, this,
        [&accepted](qintptr descriptor) { accepted = descriptor; });
    // Read by hand: Qt 6.4's QWebSocket takes 1012-2999 for invalid codes and
    // reports 1002 instead; browsers and @microsoft/signalr read 1013 as sent.
    QTcpSocket extra;
    extra.connectToHost(QHostAddress::LocalHost, side.serverPort());
    QTRY_VERIFY(extra.state() == QAbstractSocket::ConnectedState);
    const QByteArray head = "GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                            "Sec-WebSocket-Version: 13\r\n\r\n";
    QTRY_VERIFY(accepted >= 0);
    const HttpParseOutcome parsed = HttpRequestParser::parse(head, HttpLimits {});
    QCOMPARE(parsed.state, HttpParseOutcome::State::Complete);
    auto connection
        = std::make_unique<TcpConnection>(node->httpServer()->readinessLoop(), accepted);
    connection->queue(WebSocketHandshake::answer(parsed.request).value());
    Q_EMIT node->httpServer()->webSocketConnected(connection.release(), parsed.request);
    QByteArray received;
    QTRY_VERIFY_WITH_TIMEOUT((received += extra.readAll()).contains("capacity"), 5000);
    const QByteArray frame = received.mid(received.indexOf("\r\n\r\n") + 4);
    QCOMPARE(quint8(frame[0]), quint8(0x88)); // FIN + close
    QCOMPARE((quint8(frame[2]) << 8) | quint8(frame[3]), 1013); // Try Again Later
    QCOMPARE(node->metrics().connectionsRejected.value(QStringLiteral("capacity")), 1);
    QVERIFY(a.isOpen());
    QCOMPARE(node->metrics().connectionsCurrent, 1);
}

// QWebSocket answered Pings for the node; the node's own WebSocket layer must too.
void tst_HubSession::pingIsAnsweredWithPong()
{
    auto node = start();
    QVERIFY(node);
    HubTestClient client;
    QVERIFY(client.open(node->port()) && client.handshake());
    QSignalSpy pongs(&client.socket(), &QWebSocket::pong);
    client.socket().ping("are you there");
    QTRY_COMPARE(pongs.size(), 1);
    QCOMPARE(pongs.at(0).at(1).toByteArray(), QByteArray("are you there"));
    QVERIFY(client.isOpen());
}

// A client's close frame is answered with one (RFC 6455 5.5.1) and counted
// as the client's close; the session is gone.
void tst_HubSession::webSocketCloseIsEchoed()
{
    auto node = start();
    QVERIFY(node);
    HubTestClient client;
    QVERIFY(client.open(node->port()) && client.handshake());
    QTRY_COMPARE(node->metrics().connectionsCurrent, 1);
    QSignalSpy gone(&client.socket(), &QWebSocket::disconnected);
    client.socket().close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("bye"));
    QTRY_COMPARE(gone.size(), 1);
    QTRY_COMPARE(node->metrics().connectionsCurrent, 0);
    QCOMPARE(node->metrics().connectionsClosed.value(QStringLiteral("client_closed")), 1);
}

QTEST_GUILESS_MAIN(tst_HubSession)
#include "tst_hubsession.moc"
