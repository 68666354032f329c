#include "server/httprequestparser.h"

#include <QTest>

using namespace farmchat;
using State = HttpParseOutcome::State;

class tst_HttpRequestParser : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void refusals_data();
    void refusals();
    void incomplete_data();
    void incomplete();
    void completeRequest();
    void pathDecoding_data();
    void pathDecoding();
    void headerHelpers();
    void keepAlive_data();
    void keepAlive();
    void headerCapIsExact();
};

void tst_HttpRequestParser::refusals_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("errorPart");
    const QByteArray host = "Host: 127.0.0.1\r\n";
    QTest::addRow("TLS ClientHello")
        << QByteArray("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) << 400 << "not TLS";
    QTest::addRow("binary garbage") << QByteArray("\x01\x02\x03\x04") << 400 << "method";
    QTest::addRow("lowercase get is a token but unknown")
        << QByteArray("get / HTTP/1.1\r\n" + host + "\r\n") << 501 << "get";
    QTest::addRow("unknown method")
        << QByteArray("BREW / HTTP/1.1\r\n" + host + "\r\n") << 501 << "BREW";
    QTest::addRow("HTTP/2 preface")
        << QByteArray("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") << 505 << "2.0";
    QTest::addRow("HTTP/0.9") << QByteArray("GET /\r\n\r\n") << 400 << "request line";
    QTest::addRow("bad version") << QByteArray("GET / HTTX/1.1\r\n" + host + "\r\n") << 400
                                 << "version";
    QTest::addRow("absolute form")
        << QByteArray("GET http://a/ HTTP/1.1\r\n" + host + "\r\n") << 400 << "path";
    QTest::addRow("asterisk") << QByteArray("OPTIONS * HTTP/1.1\r\n" + host + "\r\n") << 400
                              << "path";
    QTest::addRow("raw space in target")
        << QByteArray("GET /a b HTTP/1.1\r\n" + host + "\r\n") << 400 << "percent";
    QTest::addRow("raw UTF-8 in target")
        << QByteArray("GET /\xc3\xa9 HTTP/1.1\r\n" + host + "\r\n") << 400 << "percent";
    QTest::addRow("bad percent") << QByteArray("GET /%zz HTTP/1.1\r\n" + host + "\r\n") << 400
                                 << "percent";
    QTest::addRow("truncated percent")
        << QByteArray("GET /%4 HTTP/1.1\r\n" + host + "\r\n") << 400 << "percent";
    QTest::addRow("encoded NUL") << QByteArray("GET /a%00b HTTP/1.1\r\n" + host + "\r\n") << 400
                                 << "NUL";
    QTest::addRow("encoded invalid UTF-8")
        << QByteArray("GET /%ff HTTP/1.1\r\n" + host + "\r\n") << 400 << "UTF-8";
    QTest::addRow("target too long")
        << QByteArray("GET /" + QByteArray(9000, 'a') + " HTTP/1.1\r\n" + host + "\r\n") << 414
        << "target";
    QTest::addRow("target too long, still arriving")
        << QByteArray("GET /" + QByteArray(9000, 'a')) << 414 << "target";
    QTest::addRow("headers too large")
        << QByteArray("GET / HTTP/1.1\r\n" + host + "X: " + QByteArray(17000, 'a') + "\r\n\r\n")
        << 431 << "16384";
    QTest::addRow("headers too large, still arriving")
        << QByteArray("GET / HTTP/1.1\r\nX: " + QByteArray(200000, 'a')) << 431 << "larger";
    QByteArray many = "GET / HTTP/1.1\r\n" + host;
    for (int i = 0; i < 120; ++i)
        many += "X-" + QByteArray::number(i) + ": 1\r\n";
    QTest::addRow("too many headers") << QByteArray(many + "\r\n") << 431 << "header fields";
    QTest::addRow("nothing but empty lines")
        << QByteArray(QByteArray("\r\n").repeated(9000)) << 431 << "larger";
    QTest::addRow("empty lines before a head, together too large") << QByteArray(
        QByteArray("\r\n").repeated(8000) + "GET / HTTP/1.1\r\n" + host
        + "X: " + QByteArray(500, 'a') + "\r\n\r\n") << 431 << "16384";
    QTest::addRow("no Host in 1.1") << QByteArray("GET / HTTP/1.1\r\n\r\n") << 400 << "Host";
    QTest::addRow("two Hosts") << QByteArray("GET / HTTP/1.1\r\n" + host + host + "\r\n") << 400
                               << "Host";
    QTest::addRow("folded header")
        << QByteArray("GET / HTTP/1.1\r\n" + host + "X: a\r\n b\r\n\r\n") << 400 << "folded";
    QTest::addRow("header without colon")
        << QByteArray("GET / HTTP/1.1\r\n" + host + "Nonsense\r\n\r\n") << 400 << "header";
    QTest::addRow("space before colon")
        << QByteArray("GET / HTTP/1.1\r\n" + host + "X : a\r\n\r\n") << 400 << "header";
    QTest::addRow("control char in value") << QByteArray("GET / HTTP/1.1\r\n" + host
        + "X: a\x01"
          "b\r\n\r\n") << 400 << "control";
    QTest::addRow("bare LF") << QByteArray("GET / HTTP/1.1\n" + host + "\n") << 400 << "CRLF";
    QTest::addRow("bare LF in headers")
        << QByteArray("GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n") << 400 << "CRLF";
    QTest::addRow("chunked body") << QByteArray(
        "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n")
                                  << 501 << "Transfer-Encoding";
    QTest::addRow("negative length")
        << QByteArray("POST / HTTP/1.1\r\n" + host + "Content-Length: -1\r\n\r\n") << 400
        << "Content-Length";
    QTest::addRow("length not a number")
        << QByteArray("POST / HTTP/1.1\r\n" + host + "Content-Length: 12a\r\n\r\n") << 400
        << "Content-Length";
    QTest::addRow("length with sign")
        << QByteArray("POST / HTTP/1.1\r\n" + host + "Content-Length: +5\r\n\r\n") << 400
        << "Content-Length";
    QTest::addRow("conflicting lengths") << QByteArray(
        "POST / HTTP/1.1\r\n" + host + "Content-Length: 1\r\nContent-Length: 2\r\n\r\n")
                                         << 400 << "conflicting";
    QTest::addRow("body over cap")
        << QByteArray("POST / HTTP/1.1\r\n" + host + "Content-Length: 65537\r\n\r\n") << 413
        << "65536";
    QTest::addRow("huge length") << QByteArray(
        "POST / HTTP/1.1\r\n" + host + "Content-Length: 99999999999999\r\n\r\n")
                                 << 413 << "limit";
    QTest::addRow("overflowing length") << QByteArray(
        "POST / HTTP/1.1\r\n" + host + "Content-Length: 999999999999999999999999\r\n\r\n")
                                        << 400 << "Content-Length";
}

void tst_HttpRequestParser::refusals()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, status);
    QFETCH(QString, errorPart);
    const HttpParseOutcome outcome = HttpRequestParser::parse(bytes);
    QCOMPARE(outcome.state, State::Failed);
    QCOMPARE(outcome.status, status);
    QVERIFY2(outcome.error.contains(errorPart), qPrintable(outcome.error));
}

void tst_HttpRequestParser::incomplete_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addRow("nothing") << QByteArray();
    QTest::addRow("method part") << QByteArray("GE");
    QTest::addRow("request line") << QByteArray("GET / HTTP/1.1\r\n");
    QTest::addRow("one header") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\n");
    QTest::addRow("half blank line") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\n\r");
    QTest::addRow("leading CRLF") << QByteArray("\r\n");
}

void tst_HttpRequestParser::incomplete()
{
    QFETCH(QByteArray, bytes);
    const HttpParseOutcome outcome = HttpRequestParser::parse(bytes);
    QCOMPARE(outcome.state, State::Incomplete);
}

void tst_HttpRequestParser::completeRequest()
{
    const QByteArray head = "POST /chat/negotiate?negotiateVersion=1&x=a%20b HTTP/1.1\r\n"
                            "Host: 127.0.0.1:9090\r\n"
                            "Content-Length: 5\r\n"
                            "X-Thing:   padded value  \r\n"
                            "\r\n";
    const HttpParseOutcome outcome
        = HttpRequestParser::parse(QByteArray(head + "hello" + "GET / HTTP/1.1"));
    QCOMPARE(outcome.state, State::Complete);
    const HttpRequest &r = outcome.request;
    QCOMPARE(r.method, QByteArray("POST"));
    QCOMPARE(r.path, QStringLiteral("/chat/negotiate"));
    QCOMPARE(r.query.queryItemValue(QStringLiteral("negotiateVersion")), QStringLiteral("1"));
    QCOMPARE(
        r.query.queryItemValue(QStringLiteral("x"), QUrl::FullyDecoded), QStringLiteral("a b"));
    QCOMPARE(r.versionMinor, 1);
    QCOMPARE(r.contentLength, 5);
    QCOMPARE(r.headerBytes, head.size());
    QCOMPARE(r.header("host"), QByteArray("127.0.0.1:9090"));
    QCOMPARE(r.header("x-thing"), QByteArray("padded value"));
    QVERIFY(r.body.isEmpty());

    // Leading empty lines are skipped (RFC 9112 section 2.2) and counted in the head.
    const HttpParseOutcome skipped = HttpRequestParser::parse("\r\nGET / HTTP/1.0\r\n\r\n");
    QCOMPARE(skipped.state, State::Complete);
    QCOMPARE(skipped.request.versionMinor, 0);
    QCOMPARE(skipped.request.headerBytes, 20);
}

void tst_HttpRequestParser::pathDecoding_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("segments");
    QTest::addRow("root") << QByteArray("/") << "/" << 1;
    QTest::addRow("room with space")
        << QByteArray("/rooms/a%20b/messages") << "/rooms/a b/messages" << 3;
    QTest::addRow("encoded slash stays one segment")
        << QByteArray("/rooms/a%2Fb/messages") << "/rooms/a/b/messages" << 3;
    QTest::addRow("unicode") << QByteArray("/rooms/%C3%A9t%C3%A9/messages")
                             << QString::fromUtf8("/rooms/été/messages") << 3;
    QTest::addRow("dot segments kept for the router to refuse")
        << QByteArray("/../etc/passwd") << "/../etc/passwd" << 3;
    QTest::addRow("encoded dots") << QByteArray("/%2e%2e/x") << "/../x" << 2;
}

void tst_HttpRequestParser::pathDecoding()
{
    QFETCH(QByteArray, target);
    const HttpParseOutcome outcome
        = HttpRequestParser::parse(QByteArray("GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n"));
    QCOMPARE(outcome.state, State::Complete);
    QTEST(outcome.request.path, "path");
    QTEST(int(outcome.request.pathSegments.size()), "segments");
}

void tst_HttpRequestParser::headerHelpers()
{
    const HttpParseOutcome outcome = HttpRequestParser::parse("GET /chat HTTP/1.1\r\nHost: a\r\n"
                                                              "Connection: keep-alive, Upgrade\r\n"
                                                              "UPGRADE: WebSocket\r\n\r\n");
    QCOMPARE(outcome.state, State::Complete);
    QVERIFY(outcome.request.isWebSocketUpgrade());
    QVERIFY(outcome.request.headerHasToken("connection", "upgrade"));
    QVERIFY(!outcome.request.headerHasToken("connection", "close"));
    QVERIFY(!outcome.request.hasHeader("origin"));
}

void tst_HttpRequestParser::keepAlive_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("keepAlive");
    QTest::addRow("1.1 default") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\n\r\n") << true;
    QTest::addRow("1.1 close") << QByteArray(
        "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
                               << false;
    QTest::addRow("1.0 default") << QByteArray("GET / HTTP/1.0\r\n\r\n") << false;
    QTest::addRow("1.0 keep-alive")
        << QByteArray("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n") << true;
}

void tst_HttpRequestParser::keepAlive()
{
    QFETCH(QByteArray, bytes);
    const HttpParseOutcome outcome = HttpRequestParser::parse(bytes);
    QCOMPARE(outcome.state, State::Complete);
    QTEST(outcome.request.wantsKeepAlive(), "keepAlive");
}

void tst_HttpRequestParser::headerCapIsExact()
{
    HttpLimits limits;
    limits.maxHeaderBytes = 100;
    const QByteArray start = "GET / HTTP/1.1\r\nHost: a\r\nX: ";
    const QByteArray fits = start + QByteArray(100 - start.size() - 4, 'a') + "\r\n\r\n";
    QCOMPARE(fits.size(), 100);
    QCOMPARE(HttpRequestParser::parse(fits, limits).state, State::Complete);
    const QByteArray over = start + QByteArray(100 - start.size() - 3, 'a') + "\r\n\r\n";
    const HttpParseOutcome refused = HttpRequestParser::parse(over, limits);
    QCOMPARE(refused.state, State::Failed);
    QCOMPARE(refused.status, 431);
}

QTEST_GUILESS_MAIN(tst_HttpRequestParser)
#include "tst_httprequestparser.moc"
