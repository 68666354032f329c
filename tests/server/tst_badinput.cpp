#include "protocol/hubcontract.h"
#include "tests/server/hubtestclient.h"
#include "tests/server/rawwebsocket.h"
#include "tests/support/testhttp.h"
#include "tests/support/testnode.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>

using namespace farmchat::test;
namespace hubcontract = farmchat::hubcontract;

// Hostile and broken input against a real farmchat-node: every case gets a
// clear refusal and the node keeps answering /health afterwards.
class tst_BadInput : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void oversizedMessage_data();
    void oversizedMessage();
    void invalidUtf8();
    void unmaskedFrame_data();
    void unmaskedFrame();
    void garbageHubHandshake();
    void brokenUpgradeRequests_data();
    void brokenUpgradeRequests();
    void garbageOnThePort_data();
    void garbageOnThePort();
    void pathTraversal_data();
    void pathTraversal();
    void foreignOrigin();
    void wrongHost();
    void adminToken();
    void connectStorm();
    void slowReaderIsDropped_data();
    void slowReaderIsDropped();

private:
    bool startNode(const QStringList &arguments = {});
    void verifyHealthy();
    qint64 metric(const QByteArray &line);
    QList<QByteArray> lobbyHistoryTexts();

    std::unique_ptr<TestNode> m_node;
};

static const QByteArray kToken = "bad-input-admin-token-4242";

bool tst_BadInput::startNode(const QStringList &arguments)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("FARMCHAT_ADMIN_TOKEN"), QString::fromLatin1(kToken));
    // A small message limit unless the test gives its own (a flag may be given once).
    QStringList withDefaults = arguments;
    if (!arguments.contains(QStringLiteral("--max-message-bytes")))
        withDefaults << QStringLiteral("--max-message-bytes") << QStringLiteral("1024");
    m_node = std::make_unique<TestNode>(withDefaults, env);
    if (const auto started = m_node->start(); !started) {
        qWarning("%s", qPrintable(started.error()));
        return false;
    }
    return true;
}

void tst_BadInput::init()
{
    QVERIFY(startNode());
}

void tst_BadInput::cleanup()
{
    if (m_node) {
        QVERIFY2(m_node->isRunning(), m_node->output().right(2000).constData());
        QVERIFY2(
            !m_node->output().contains(kToken), "the admin token leaked into the node's output");
    }
    m_node.reset();
}

void tst_BadInput::verifyHealthy()
{
    const QString problem = healthProblem(m_node->url(QStringLiteral("/health")));
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

qint64 tst_BadInput::metric(const QByteArray &prefix)
{
    return metricSample(m_node->url(QStringLiteral("/metrics")), prefix);
}

QList<QByteArray> tst_BadInput::lobbyHistoryTexts()
{
    return messageTexts(m_node->url(QStringLiteral("/rooms/lobby/messages")));
}

void tst_BadInput::oversizedMessage_data()
{
    QTest::addColumn<QByteArray>("frames");
    const QByteArray big(2000, 'a');
    QTest::addRow("one big frame") << RawWebSocket::frame(0x1, big);
    QTest::addRow("fragments adding up")
        << RawWebSocket::frame(0x1, QByteArray(700, 'a')).replace(0, 1, "\x01")
            + RawWebSocket::frame(0x0, QByteArray(700, 'a'));
    // Only the head: the node must refuse on the declared length, not wait for 10 MB.
    QTest::addRow("declared 10 MB") << RawWebSocket::frame(0x1, "x", true, 10 * 1024 * 1024);
}

void tst_BadInput::oversizedMessage()
{
    QFETCH(QByteArray, frames);
    RawWebSocket ws;
    QVERIFY(ws.openHub(m_node->port()));
    ws.send(frames);
    QCOMPARE(ws.waitForClose(), 1009);
    verifyHealthy();
    QTRY_COMPARE(metric("farmchat_connections_closed_total{node=\"" + QByteArray("node-")
                     + QByteArray::number(m_node->port()) + "\",reason=\"message_too_big\"}"),
        1);
}

void tst_BadInput::invalidUtf8()
{
    RawWebSocket ws;
    QVERIFY(ws.openHub(m_node->port()));
    ws.send(RawWebSocket::frame(
        0x1, "{\"type\":1,\"target\":\"Send\",\"arguments\":[\"\xff\xfe\"]}\x1e"));
    QCOMPARE(ws.waitForClose(), 1007);
    verifyHealthy();
    QVERIFY(lobbyHistoryTexts().isEmpty());
}

void tst_BadInput::unmaskedFrame_data()
{
    QTest::addColumn<bool>("pipelined");
    QTest::addRow("after the handshake") << false;
    QTest::addRow("in the same packet as the upgrade") << true;
}

void tst_BadInput::unmaskedFrame()
{
    QFETCH(bool, pipelined);
    // A well-formed hub message in a frame the client did not mask.
    const QByteArray send = "{\"type\":1,\"target\":\"Send\",\"arguments\":[\"sneaky\"]}\x1e";
    const QByteArray handshake = "{\"protocol\":\"json\",\"version\":1}\x1e";
    const QByteArray sneaky = RawWebSocket::frame(0x1, pipelined ? handshake + send : send, false);
    RawWebSocket ws;
    if (pipelined) {
        ws.open(m_node->port(), {}, sneaky);
    } else {
        QVERIFY(ws.openHub(m_node->port()));
        // One proper message first, so the stream is known to work.
        ws.sendText("{\"type\":1,\"target\":\"Send\",\"arguments\":[\"proper\"]}\x1e");
        QTRY_COMPARE(lobbyHistoryTexts().size(), 1);
        ws.send(sneaky);
    }
    const int code = ws.waitForClose();
    // RFC 6455 section 5.1: the server closes; 1002 says why.
    QVERIFY2(code == 1002 || (pipelined && ws.peerClosed()), qPrintable(QString::number(code)));
    QVERIFY(!lobbyHistoryTexts().contains("sneaky"));
    verifyHealthy();
}

void tst_BadInput::garbageHubHandshake()
{
    RawWebSocket ws;
    QVERIFY(ws.open(m_node->port()));
    ws.sendText("GET / HTTP/1.1\r\n\x1e");
    QCOMPARE(ws.waitForClose(), 1002);
    QVERIFY(ws.textReceived().startsWith("{\"error\":"));
    verifyHealthy();
}

void tst_BadInput::brokenUpgradeRequests_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QByteArray>("status");
    const QByteArray host = "Host: 127.0.0.1\r\n";
    QTest::addRow("no key") << QByteArray("GET /chat HTTP/1.1\r\n" + host
        + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n")
                            << QByteArray("400");
    QTest::addRow("short key") << QByteArray("GET /chat HTTP/1.1\r\n" + host
        + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
          "Sec-WebSocket-Key: c2hvcnQ=\r\n\r\n")
                               << QByteArray("400");
    QTest::addRow("old version") << QByteArray("GET /chat HTTP/1.1\r\n" + host
        + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 8\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
                                 << QByteArray("426");
    QTest::addRow("wrong path") << QByteArray("GET /socket HTTP/1.1\r\n" + host
        + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
                                << QByteArray("404");
    QTest::addRow("POST upgrade") << QByteArray("POST /chat HTTP/1.1\r\n" + host
        + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
                                  << QByteArray("405");
}

void tst_BadInput::brokenUpgradeRequests()
{
    QFETCH(QByteArray, request);
    QFETCH(QByteArray, status);
    const QByteArray answer = rawExchange(m_node->port(), request);
    QVERIFY2(answer.startsWith(QByteArray("HTTP/1.1 " + status)), answer.constData());
    QVERIFY(answer.contains("{\"error\":"));
    verifyHealthy();
}

void tst_BadInput::garbageOnThePort_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QByteArray>("status");
    QTest::addColumn<QByteArray>("bodyPart");
    // The start of a TLS 1.2/1.3 ClientHello, as a browser sends to https://.
    const QByteArray clientHello = QByteArray::fromHex("160301020001000"
                                                       "1fc0303")
        + QByteArray(500, '\x07');
    QTest::addRow("TLS ClientHello") << clientHello << QByteArray("400") << QByteArray("not TLS");
    QTest::addRow("random bytes") << QByteArray::fromHex("00ff13379a") << QByteArray("400")
                                  << QByteArray("error");
    QTest::addRow("200 KB of headers") << QByteArray(
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + QByteArray(200 * 1024, 'h') + "\r\n\r\n")
                                       << QByteArray("431") << QByteArray("16384");
    QTest::addRow("many small headers") << []() -> QByteArray {
        QByteArray r = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        for (int i = 0; i < 5000; ++i)
            r += "X-" + QByteArray::number(i) + ": v\r\n";
        return r + "\r\n";
    }() << QByteArray("431")
        << QByteArray("error");
    QTest::addRow("huge Content-Length") << QByteArray(
        "POST /chat/negotiate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1099511627776\r\n\r\n")
                                         << QByteArray("413") << QByteArray("limit");
    QTest::addRow("100 KB body") << QByteArray(
        "PUT /admin/backplane HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 102400\r\n\r\n"
        + QByteArray(102400, 'b'))
                                 << QByteArray("413") << QByteArray("limit");
    QTest::addRow("HTTP/2 preface") << QByteArray("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
                                    << QByteArray("505") << QByteArray("HTTP/1.1");
}

void tst_BadInput::garbageOnThePort()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QByteArray, status);
    QFETCH(QByteArray, bodyPart);
    const QByteArray answer = rawExchange(m_node->port(), bytes);
    QVERIFY2(answer.startsWith(QByteArray("HTTP/1.1 " + status)), answer.left(300).constData());
    QVERIFY2(answer.contains(bodyPart), answer.left(300).constData());
    verifyHealthy();
}

void tst_BadInput::pathTraversal_data()
{
    QTest::addColumn<QByteArray>("target");
    for (const char *t : {"/../../../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
             "/..%2f..%2f..%2fetc%2fpasswd", "/%2e%2e%5c%2e%2e%5cetc%5cpasswd",
             "/....//....//etc/passwd", "/index.html/../../etc/passwd", "/%252e%252e/etc/passwd",
             "/etc/passwd", "//etc/passwd", "/.%2e/.%2e/etc/passwd"})
        QTest::addRow("%s", t) << QByteArray(t);
}

void tst_BadInput::pathTraversal()
{
    QFETCH(QByteArray, target);
    const QByteArray answer = rawExchange(m_node->port(),
        "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    QVERIFY2(answer.startsWith("HTTP/1.1 404") || answer.startsWith("HTTP/1.1 400"),
        answer.left(200).constData());
    QVERIFY(!answer.contains("root:"));
    verifyHealthy();
}

void tst_BadInput::foreignOrigin()
{
    RawWebSocket ws;
    QVERIFY(!ws.open(m_node->port(), "Origin: https://evil.example\r\n"));
    QVERIFY2(ws.responseHead().startsWith("HTTP/1.1 403"), ws.responseHead().constData());
    const HttpReply negotiate = httpRequest("POST", m_node->url(QStringLiteral("/chat/negotiate")),
        {}, {{"Origin", "https://evil.example"}});
    QCOMPARE(negotiate.status, 403);
    RawWebSocket own;
    QVERIFY(own.open(
        m_node->port(), "Origin: http://localhost:" + QByteArray::number(m_node->port()) + "\r\n"));
    verifyHealthy();
}

void tst_BadInput::wrongHost()
{
    const QByteArray plain
        = rawExchange(m_node->port(), "GET /health HTTP/1.1\r\nHost: evil.example\r\n\r\n");
    QVERIFY2(plain.startsWith("HTTP/1.1 421"), plain.constData());
    const QByteArray upgrade = rawExchange(m_node->port(),
        RawWebSocket::upgradeRequest(m_node->port())
            .replace("Host: 127.0.0.1:", "Host: evil.example:"));
    QVERIFY2(upgrade.startsWith("HTTP/1.1 421"), upgrade.constData());
    verifyHealthy();
}

void tst_BadInput::adminToken()
{
    const QUrl admin = m_node->url(QStringLiteral("/admin/backplane"));
    QCOMPARE(httpRequest("PUT", admin, R"({"mode":"off"})").status, 401);
    QCOMPARE(
        httpRequest("PUT", admin, R"({"mode":"off"})", {{"Authorization", "Bearer wrong"}}).status,
        401);
    QCOMPARE(
        httpRequest("PUT", admin, R"({"mode":"off"})", {{"Authorization", kToken}}).status, 401);
    QCOMPARE(httpRequest("PUT", admin, R"({"mode":"off"})", {{"Authorization", "Bearer " + kToken}})
                 .status,
        200);
    verifyHealthy();
}

void tst_BadInput::connectStorm()
{
    QElapsedTimer clock;
    clock.start();
    int upgraded = 0;
    for (int i = 0; i < 1000; ++i) {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_node->port());
        QVERIFY(socket.waitForConnected(2000));
        switch (i % 4) {
        case 0: // connect and vanish
            break;
        case 1: // half a request, then vanish
            socket.write("GET /hea");
            socket.waitForBytesWritten(500);
            break;
        case 2: // an upgrade, then vanish without a close frame
            socket.write(RawWebSocket::upgradeRequest(m_node->port()));
            socket.waitForBytesWritten(500);
            socket.waitForReadyRead(1000);
            upgraded += socket.readAll().startsWith("HTTP/1.1 101") ? 1 : 0;
            break;
        case 3: // an upgrade and the hub handshake, then vanish
            socket.write(RawWebSocket::upgradeRequest(m_node->port())
                + RawWebSocket::frame(0x1, "{\"protocol\":\"json\",\"version\":1}\x1e"));
            socket.waitForBytesWritten(500);
            socket.waitForReadyRead(1000);
            upgraded += socket.readAll().startsWith("HTTP/1.1 101") ? 1 : 0;
            break;
        }
        socket.abort();
    }
    qInfo("1000 connect/close cycles (%d upgraded) in %lld ms", upgraded, clock.elapsed());
    QCOMPARE(upgraded, 500);
    verifyHealthy();
    QTRY_COMPARE_WITH_TIMEOUT(
        QJsonDocument::fromJson(httpRequest("GET", m_node->url(QStringLiteral("/health"))).body)
            .object()
            .value(u"clients")
            .toInt(),
        0, 10000);
    HubTestClient client;
    QVERIFY(client.connectNegotiated(m_node->port()));
    QVERIFY(client.call(hubcontract::kSend.name, {QStringLiteral("after the storm")}));
}

void tst_BadInput::slowReaderIsDropped_data()
{
    QTest::addColumn<bool>("readsAgain");
    QTest::addRow("reads again at once") << true;
    QTest::addRow("never reads again") << false;
}

void tst_BadInput::slowReaderIsDropped()
{
    QFETCH(bool, readsAgain);
    QVERIFY(startNode(
        {"--send-queue-bytes", "65536", "--rate-limit", "100000", "--max-message-bytes", "65536"}));
    RawWebSocket slow;
    QVERIFY(slow.openHub(m_node->port()));
    slow.sendText(R"({"type":1,"invocationId":"join","target":"JoinRoom","arguments":["flood"]})"
                  "\x1e");
    QVERIFY(slow.waitForText(R"("invocationId":"join")"));
    // From here on Qt holds at most 1 KB for this socket; the rest waits in the kernel.
    slow.socket().setReadBufferSize(1024);

    // The writer floods a room it is not in, so only the slow client receives.
    HubTestClient writer;
    QVERIFY(writer.connectNegotiated(m_node->port()));
    const QString text(3900, u'w');
    const QByteArray closedLine = "farmchat_connections_closed_total{node=\"node-"
        + QByteArray::number(m_node->port()) + "\",reason=\"slow_reader\"}";
    // The node decides to close the moment its queue passes the limit and
    // logs it; closed_total counts the connection only once it is gone, which
    // for a client that never reads is after the 2 s grace: too late to read.
    const auto closing = [this] {
        QCoreApplication::processEvents(); // the node's output arrives through the event loop
        return m_node->output().contains("dropping client");
    };
    QElapsedTimer clock;
    clock.start();
    QElapsedTimer batch; // the decision came within the last batch
    int sent = 0;
    while (!closing() && clock.elapsed() < 60000) {
        batch.start();
        QString last;
        for (int i = 0; i < 50; ++i, ++sent)
            last = writer.invoke(hubcontract::kSendToRoom.name, {QStringLiteral("flood"), text});
        const auto done = writer.waitForCompletion(last, 10000);
        QVERIFY(done);
        QVERIFY2(!done->hasError, qPrintable(done->error));
    }
    QVERIFY2(closing(), "the node logs that it drops the slow client");
    qInfo("slow reader dropped after %d messages of %lld bytes", sent, qint64(text.size()));
    if (!readsAgain) {
        // The node waits out its 2 s grace, then cuts the connection: what
        // it still held, the Close message and the close frame with it, is
        // dropped, and the client reading later finds the stream just ending.
        clock.restart();
        // Still counted 0 when the decision is surely younger than the grace
        // (a slow or busy machine may take longer than it over one batch).
        if (batch.elapsed() < 1500)
            QCOMPARE(metric(closedLine), 0);
        QTRY_COMPARE_WITH_TIMEOUT(metric(closedLine), 1, 5000);
        qInfo("cut %lld ms after the node's decision was seen", clock.elapsed());
        slow.socket().setReadBufferSize(0);
        QCOMPARE(slow.waitForClose(10000), -1);
        QVERIFY(slow.peerClosed());
        QVERIFY(writer.isOpen());
        verifyHealthy();
        return;
    }
    // Reading again at once, within the node's 2 s grace, the slow client
    // gets what was queued, then the hub's Close message and the close frame,
    // both with the reason.
    slow.socket().setReadBufferSize(0);
    const int closeCode = slow.waitForClose(10000);
    QTRY_COMPARE(metric(closedLine), 1);
    QTRY_VERIFY(slow.peerClosed());
    QVERIFY(writer.isOpen());
    verifyHealthy();
    QCOMPARE(closeCode, 1008);
    QCOMPARE(slow.closeReason(), QByteArray("send queue full: client too slow"));
    QList<QByteArray> records = slow.textReceived().split('\x1e');
    QVERIFY(records.size() >= 2 && records.last().isEmpty()); // whole records only
    records.removeLast();
    const QJsonObject last = QJsonDocument::fromJson(records.last()).object();
    QVERIFY2(last.value(u"type").toInt() == 7, records.last().constData()); // hub Close
    QCOMPARE(last.value(u"error").toString(), QStringLiteral("send queue full: client too slow"));
}

QTEST_GUILESS_MAIN(tst_BadInput)
#include "tst_badinput.moc"
