#include "platform/socketreset.h"
#include "server/nodehttpapi_p.h"
#include "tests/server/nodefixture.h"
#include "tests/server/rawwebsocket.h"
#include "tests/support/testhttp.h"
#include "tests/support/timefactor.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTest>

using namespace farmchat;
using namespace farmchat::test;

// The node's HTTP endpoints against an in-process node: status codes, bodies,
// headers, and the checks in front of them (Host, Origin, token).
class tst_NodeHttpApi : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void webPage();
    void headAnswersWithoutBody();
    void health();
    void metrics();
    void statusCodes_data();
    void statusCodes();
    void staticPaths_data();
    void staticPaths();
    void originChecks_data();
    void originChecks();
    void corsPreflight();
    void wrongHostIsRefused();
    void adminApi_data();
    void adminApi();
    void adminApiDisabledWithoutToken();
    void keepAliveServesSeveralRequests();
    void upgradeFromAPeerAlreadyGoneLeavesTheNodeWhole();
    void incompleteRequestTimesOut();
    void constantTimeEquals();

private:
    QUrl url(const QString &pathAndQuery) const { return QUrl(m_node->url() + pathAndQuery); }
    std::unique_ptr<Node> m_node;
};

static const QByteArray kToken = "0123456789abcdef-admin";

void tst_NodeHttpApi::init()
{
    NodeConfig config = testNodeConfig();
    config.adminToken = kToken;
    config.allowedOrigins = {QStringLiteral("http://127.0.0.1:1")};
    auto started = startTestNode(config);
    QVERIFY2(started.ok(), qPrintable(started.error()));
    m_node = std::move(started).value();
}

void tst_NodeHttpApi::cleanup()
{
    m_node.reset();
}

void tst_NodeHttpApi::webPage()
{
    const HttpReply page = httpRequest("GET", url(QStringLiteral("/")));
    QCOMPARE(page.status, 200);
    QVERIFY(page.header("Content-Type").startsWith("text/html"));
    QVERIFY(page.body.contains("<html") || page.body.contains("<!doctype")
        || page.body.contains("<!DOCTYPE"));
    QCOMPARE(page.header("X-Content-Type-Options"), QByteArray("nosniff"));
    const HttpReply script = httpRequest("GET", url(QStringLiteral("/app.js")));
    QCOMPARE(script.status, 200);
    QVERIFY(script.header("Content-Type").startsWith("text/javascript"));
    const HttpReply style = httpRequest("GET", url(QStringLiteral("/style.css")));
    QCOMPARE(style.status, 200);
    QVERIFY(style.header("Content-Type").startsWith("text/css"));
}

void tst_NodeHttpApi::headAnswersWithoutBody()
{
    const QByteArray answer = exchange(
        m_node->port(), "HEAD /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    QVERIFY2(answer.startsWith("HTTP/1.1 200"), answer.constData());
    const qsizetype end = answer.indexOf("\r\n\r\n");
    QVERIFY(end > 0);
    QCOMPARE(answer.size(), end + 4); // no body
    QVERIFY(answer.contains("Content-Length: "));
    QVERIFY(!answer.contains("Content-Length: 0\r\n"));
}

void tst_NodeHttpApi::health()
{
    const HttpReply reply = httpRequest("GET", url(QStringLiteral("/health")));
    QCOMPARE(reply.status, 200);
    QVERIFY(reply.header("Content-Type").startsWith("application/json"));
    const QJsonObject o = QJsonDocument::fromJson(reply.body).object();
    for (const char *key : {"status", "node", "port", "version", "backplane", "redisConfigured",
             "redisConnected", "redisFull", "roomsPending", "lastBackplaneError",
             "lastBackplaneErrorAt", "outbox", "epoch", "clients", "uptimeMs"})
        QVERIFY2(o.contains(QLatin1String(key)), key);
    QCOMPARE(o.value(u"status").toString(), QStringLiteral("ok"));
    QCOMPARE(o.value(u"node").toString(), m_node->nodeId());
    QCOMPARE(o.value(u"port").toInt(), int(m_node->port()));
    QCOMPARE(o.value(u"backplane").toString(), QStringLiteral("off"));
    QCOMPARE(o.value(u"redisConfigured").toBool(), false);
    QCOMPARE(o.value(u"clients").toInt(), 0);
    QVERIFY(o.value(u"lastBackplaneError").isNull());
    QVERIFY(!reply.body.contains(kToken));
}

void tst_NodeHttpApi::metrics()
{
    httpRequest("GET", url(QStringLiteral("/nope")));
    const HttpReply reply = httpRequest("GET", url(QStringLiteral("/metrics")));
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.header("Content-Type"), QByteArray("text/plain; version=0.0.4; charset=utf-8"));
    const QByteArray node = m_node->nodeId().toUtf8();
    QVERIFY(reply.body.contains(QByteArray("farmchat_connections{node=\"" + node + "\"} 0")));
    QVERIFY(reply.body.contains(
        QByteArray("farmchat_backplane_mode{node=\"" + node + "\",mode=\"off\"} 1")));
    QVERIFY(reply.body.contains(
        QByteArray("farmchat_http_errors_total{node=\"" + node + "\",status=\"404\"} 1")));
    QVERIFY(reply.body.contains(
        QByteArray("farmchat_messages_received_total{node=\"" + node + "\",origin=\"local\"} 0")));
    QVERIFY(!reply.body.contains(kToken));
}

void tst_NodeHttpApi::statusCodes_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("allow");
    QTest::addRow("unknown path") << QByteArray("GET") << "/nothing/here" << 404 << QByteArray();
    QTest::addRow("POST health") << QByteArray("POST") << "/health" << 405
                                 << QByteArray("GET, HEAD");
    QTest::addRow("DELETE metrics")
        << QByteArray("DELETE") << "/metrics" << 405 << QByteArray("GET, HEAD");
    QTest::addRow("GET negotiate")
        << QByteArray("GET") << "/chat/negotiate" << 405 << QByteArray("POST");
    QTest::addRow("GET admin") << QByteArray("GET") << "/admin/backplane" << 405
                               << QByteArray("PUT");
    QTest::addRow("POST page") << QByteArray("POST") << "/index.html" << 405
                               << QByteArray("GET, HEAD");
    QTest::addRow("plain GET on hub") << QByteArray("GET") << "/chat" << 400 << QByteArray();
    QTest::addRow("negotiate bad version")
        << QByteArray("POST") << "/chat/negotiate?negotiateVersion=x" << 400 << QByteArray();
    QTest::addRow("history ok") << QByteArray("GET") << "/rooms/lobby/messages" << 200
                                << QByteArray();
    QTest::addRow("history limit 0")
        << QByteArray("GET") << "/rooms/lobby/messages?limit=0" << 400 << QByteArray();
    QTest::addRow("history limit 1001")
        << QByteArray("GET") << "/rooms/lobby/messages?limit=1001" << 400 << QByteArray();
    QTest::addRow("history limit text")
        << QByteArray("GET") << "/rooms/lobby/messages?limit=ten" << 400 << QByteArray();
    QTest::addRow("history long room")
        << QByteArray("GET") << "/rooms/" + QString(65, u'r') + "/messages" << 400 << QByteArray();
    QTest::addRow("history control room")
        << QByteArray("GET") << "/rooms/a%07b/messages" << 400 << QByteArray();
    QTest::addRow("history bad utf8 room")
        << QByteArray("GET") << "/rooms/%C3/messages" << 400 << QByteArray();
    QTest::addRow("history POST") << QByteArray("POST") << "/rooms/lobby/messages" << 405
                                  << QByteArray("GET, HEAD");
}

void tst_NodeHttpApi::statusCodes()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(int, status);
    QFETCH(QByteArray, allow);
    const HttpReply reply = httpRequest(method, QUrl(m_node->url() + path, QUrl::StrictMode));
    QCOMPARE(reply.status, status);
    if (!allow.isEmpty())
        QCOMPARE(reply.header("Allow"), allow);
    if (status >= 400) {
        const QJsonObject o = QJsonDocument::fromJson(reply.body).object();
        QVERIFY2(!o.value(u"error").toString().isEmpty(), reply.body.constData());
    }
}

void tst_NodeHttpApi::staticPaths_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<int>("status");
    QTest::addRow("index") << QByteArray("/index.html") << 200;
    QTest::addRow("dot dot") << QByteArray("/../../../../etc/passwd") << 404;
    QTest::addRow("encoded dot dot") << QByteArray("/%2e%2e/%2e%2e/etc/passwd") << 404;
    QTest::addRow("encoded slash") << QByteArray("/..%2f..%2fetc%2fpasswd") << 404;
    QTest::addRow("backslash") << QByteArray("/..%5c..%5cetc%5cpasswd") << 404;
    QTest::addRow("resource root") << QByteArray("/:/web/index.html") << 404;
    QTest::addRow("other resource") << QByteArray("/..%2ficons/farmchat.svg") << 404;
    QTest::addRow("hidden") << QByteArray("/.git") << 404;
    QTest::addRow("dot segment") << QByteArray("/./index.html") << 404;
    QTest::addRow("double slash") << QByteArray("//index.html") << 404;
    QTest::addRow("absolute file") << QByteArray("/etc/passwd") << 404;
    QTest::addRow("directory") << QByteArray("/web") << 404;
}

void tst_NodeHttpApi::staticPaths()
{
    QFETCH(QByteArray, target);
    QFETCH(int, status);
    const QByteArray answer = exchange(m_node->port(),
        "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    QVERIFY2(answer.startsWith(QByteArray("HTTP/1.1 " + QByteArray::number(status))),
        answer.left(200).constData());
    QVERIFY(!answer.contains("root:"));
}

void tst_NodeHttpApi::originChecks_data()
{
    QTest::addColumn<QByteArray>("origin");
    QTest::addColumn<int>("status");
    QTest::addRow("none") << QByteArray() << 200;
    QTest::addRow("own") << QByteArray("http://127.0.0.1:PORT") << 200;
    QTest::addRow("own localhost") << QByteArray("http://localhost:PORT") << 200;
    QTest::addRow("allowed other node") << QByteArray("http://127.0.0.1:1") << 200;
    QTest::addRow("foreign") << QByteArray("https://evil.example") << 403;
    QTest::addRow("null") << QByteArray("null") << 403;
}

void tst_NodeHttpApi::originChecks()
{
    QFETCH(QByteArray, origin);
    QFETCH(int, status);
    origin.replace("PORT", QByteArray::number(m_node->port()));
    HttpHeaders headers;
    if (!origin.isEmpty())
        headers.append({"Origin", origin});
    const HttpReply reply = httpRequest(
        "POST", url(QStringLiteral("/chat/negotiate?negotiateVersion=1")), {}, headers);
    QCOMPARE(reply.status, status);
    if (status == 403) {
        QVERIFY(reply.body.contains("--allowed-origin"));
        QVERIFY(reply.header("Access-Control-Allow-Origin").isEmpty());
    } else if (!origin.isEmpty()) {
        QCOMPARE(reply.header("Access-Control-Allow-Origin"), origin);
    }
    // Reading is allowed from anywhere; browsers keep foreign pages from seeing it.
    QCOMPARE(httpRequest("GET", url(QStringLiteral("/health")), {}, headers).status, 200);
}

void tst_NodeHttpApi::corsPreflight()
{
    const QByteArray allowed = exchange(m_node->port(),
        "OPTIONS /chat/negotiate HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Origin: http://127.0.0.1:1\r\nAccess-Control-Request-Method: POST\r\n"
        "Access-Control-Request-Headers: x-requested-with\r\nConnection: close\r\n\r\n");
    QVERIFY2(allowed.startsWith("HTTP/1.1 204"), allowed.constData());
    QVERIFY(allowed.contains("Access-Control-Allow-Origin: http://127.0.0.1:1\r\n"));
    QVERIFY(allowed.contains("Access-Control-Allow-Headers: x-requested-with\r\n"));
    const QByteArray refused = exchange(m_node->port(),
        "OPTIONS /chat/negotiate HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Origin: https://evil.example\r\nConnection: close\r\n\r\n");
    QVERIFY2(refused.startsWith("HTTP/1.1 403"), refused.constData());
}

void tst_NodeHttpApi::wrongHostIsRefused()
{
    const QByteArray answer = exchange(m_node->port(),
        "GET /health HTTP/1.1\r\nHost: rebind.attacker.example\r\nConnection: close\r\n\r\n");
    QVERIFY2(answer.startsWith("HTTP/1.1 421"), answer.constData());
    QCOMPARE(m_node->metrics().connectionsRejected.value(QStringLiteral("host")), 1);
    const QByteArray ok = exchange(m_node->port(),
        "GET /health HTTP/1.1\r\nHost: localhost:" + QByteArray::number(m_node->port())
            + "\r\nConnection: close\r\n\r\n");
    QVERIFY2(ok.startsWith("HTTP/1.1 200"), ok.constData());
}

void tst_NodeHttpApi::adminApi_data()
{
    QTest::addColumn<QByteArray>("authorization");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("bodyPart");
    const QByteArray bearer = "Bearer " + kToken;
    QTest::addRow("no token") << QByteArray() << QByteArray(R"({"mode":"off"})") << 401
                              << "admin token";
    QTest::addRow("wrong token") << QByteArray("Bearer nope") << QByteArray(R"({"mode":"off"})")
                                 << 401 << "admin token";
    QTest::addRow("token prefix") << QByteArray("Bearer " + kToken.left(5))
                                  << QByteArray(R"({"mode":"off"})") << 401 << "admin token";
    QTest::addRow("basic scheme") << QByteArray("Basic " + kToken)
                                  << QByteArray(R"({"mode":"off"})") << 401 << "admin token";
    QTest::addRow("bad json") << bearer << QByteArray("{mode:") << 400 << "JSON object";
    QTest::addRow("array") << bearer << QByteArray("[]") << 400 << "JSON object";
    QTest::addRow("no mode") << bearer << QByteArray("{}") << 400 << "'mode'";
    QTest::addRow("unknown mode") << bearer << QByteArray(R"({"mode":"carrier-pigeon"})") << 400
                                  << "'mode'";
    QTest::addRow("mode number") << bearer << QByteArray(R"({"mode":1})") << 400 << "'mode'";
    QTest::addRow("pubsub without redis")
        << bearer << QByteArray(R"({"mode":"pubsub"})") << 409 << "no Redis configured";
    QTest::addRow("streams without redis")
        << bearer << QByteArray(R"({"mode":"streams"})") << 409 << "no Redis configured";
    QTest::addRow("off") << bearer << QByteArray(R"({"mode":"off"})") << 200
                         << "\"previous\":\"off\"";
}

void tst_NodeHttpApi::adminApi()
{
    QFETCH(QByteArray, authorization);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, bodyPart);
    HttpHeaders headers {{"Content-Type", "application/json"}};
    if (!authorization.isEmpty())
        headers.append({"Authorization", authorization});
    const HttpReply reply
        = httpRequest("PUT", url(QStringLiteral("/admin/backplane")), body, headers);
    QCOMPARE(reply.status, status);
    QVERIFY2(reply.body.contains(bodyPart.toUtf8()), reply.body.constData());
    QCOMPARE(m_node->backplane()->mode(), BackplaneMode::Off);
}

void tst_NodeHttpApi::adminApiDisabledWithoutToken()
{
    m_node.reset();
    auto started = startTestNode(testNodeConfig());
    QVERIFY2(started.ok(), qPrintable(started.error()));
    m_node = std::move(started).value();
    const HttpReply reply = httpRequest("PUT", url(QStringLiteral("/admin/backplane")),
        R"({"mode":"off"})", {{"Authorization", "Bearer "}});
    QCOMPARE(reply.status, 401);
    QCOMPARE(QJsonDocument::fromJson(reply.body).object().value(u"error").toString(),
        QStringLiteral("admin API disabled: set FARMCHAT_ADMIN_TOKEN"));
}

void tst_NodeHttpApi::upgradeFromAPeerAlreadyGoneLeavesTheNodeWhole()
{
    // The 101 meets a reset: the node held the first part of the head from an
    // earlier read, and the peer sent the rest and reset before the node's
    // next turn. The node answers inside the connection's own read callback
    // and the write fails there; the connection must not be destroyed under
    // its own feet (it was, once: a use-after-free and double free).
    for (int round = 0; round < 20; ++round) {
        QTcpSocket client;
        client.connectToHost(QHostAddress::LocalHost, m_node->port());
        QVERIFY(client.waitForConnected(3000));
        const QByteArray head = RawWebSocket::upgradeRequest(m_node->port());
        const qsizetype half = head.size() / 2;
        client.write(head.left(half));
        QVERIFY(client.waitForBytesWritten(3000));
        QTest::qWait(50); // one turn of the node's loop (in this process) reads it
        client.write(head.mid(half));
        QVERIFY(client.waitForBytesWritten(3000)); // the node does not run meanwhile
        setResetOnClose(client.socketDescriptor());
        client.abort(); // closes with SO_LINGER 0: a reset
    }
    QTRY_COMPARE_WITH_TIMEOUT(m_node->metrics().connectionsCurrent, qint64(0), 5000);
    QCOMPARE(httpRequest("GET", url(QStringLiteral("/health"))).status, 200);
}

void tst_NodeHttpApi::keepAliveServesSeveralRequests()
{
    const QByteArray two = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                           "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    const QByteArray answer = exchange(m_node->port(), two);
    QCOMPARE(answer.count("HTTP/1.1 200 OK"), 2);
    QVERIFY(answer.contains("\"status\":\"ok\""));
    QVERIFY(answer.contains("farmchat_connections"));
}

void tst_NodeHttpApi::incompleteRequestTimesOut()
{
    m_node.reset();
    NodeConfig config = testNodeConfig();
    config.handshakeTimeoutMs = 300;
    auto started = startTestNode(config);
    QVERIFY2(started.ok(), qPrintable(started.error()));
    m_node = std::move(started).value();

    // Headers that never end: the client hears why it is cut off.
    const QByteArray answer
        = exchange(m_node->port(), "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n", 5000);
    QVERIFY2(answer.startsWith("HTTP/1.1 408"), answer.constData());
    QVERIFY2(answer.contains("request not complete within 300 ms"), answer.constData());
    QCOMPARE(m_node->metrics().httpErrors.value(408), 1);

    // A connection that never sends anything is closed quietly.
    QElapsedTimer clock;
    clock.start();
    QCOMPARE(exchange(m_node->port(), QByteArray(), scaledMs(5000)), QByteArray());
    QVERIFY2(clock.elapsed() < scaledMs(4000), "an idle connection was not closed");
    QCOMPARE(m_node->metrics().httpErrors.value(408), 1);
}

void tst_NodeHttpApi::constantTimeEquals()
{
    QVERIFY(NodeHttpApi::constantTimeEquals("abc", "abc"));
    QVERIFY(!NodeHttpApi::constantTimeEquals("abc", "abd"));
    QVERIFY(!NodeHttpApi::constantTimeEquals("abc", "abcd"));
    QVERIFY(!NodeHttpApi::constantTimeEquals("", "a"));
}

QTEST_GUILESS_MAIN(tst_NodeHttpApi)
#include "tst_nodehttpapi.moc"
