#include "server/httprequestparser.h"
#include "server/websockethandshake_p.h"

#include <QTest>

using namespace farmchat;

namespace {

// A request as a browser sends it (RFC 6455 section 1.3), with `lines`
// replacing or adding headers; a header given as "Name:" alone is taken out
// after parsing (the parser itself refuses HTTP/1.1 without Host).
HttpRequest upgradeRequest(const QList<QByteArray> &lines = {}, QByteArray requestLine = {})
{
    QList<QPair<QByteArray, QByteArray>> headers {
        {"Host", "127.0.0.1:5000"},
        {"Upgrade", "websocket"},
        {"Connection", "Upgrade"},
        {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
        {"Sec-WebSocket-Version", "13"},
    };
    QList<QByteArray> removed;
    for (const QByteArray &line : lines) {
        const qsizetype colon = line.indexOf(':');
        const QByteArray name = line.left(colon);
        const QByteArray value = line.mid(colon + 1).trimmed();
        if (value.isEmpty()) {
            removed.append(name.toLower());
            continue;
        }
        auto it = std::find_if(headers.begin(), headers.end(),
            [&](const auto &h) { return h.first.compare(name, Qt::CaseInsensitive) == 0; });
        if (it != headers.end())
            headers.erase(it);
        headers.append({name, value});
    }
    QByteArray head = requestLine.isEmpty() ? QByteArray("GET /chat HTTP/1.1") : requestLine;
    head += "\r\n";
    for (const auto &h : headers)
        head += h.first + ": " + h.second + "\r\n";
    head += "\r\n";
    const HttpParseOutcome parsed = HttpRequestParser::parse(head);
    if (parsed.state != HttpParseOutcome::State::Complete)
        qFatal("test request did not parse: %s", qPrintable(parsed.error));
    HttpRequest request = parsed.request;
    request.headers.removeIf([&](const auto &h) { return removed.contains(h.first); });
    return request;
}

QString errorOf(const HttpResponse &response)
{
    return QString::fromUtf8(response.body);
}

} // namespace

class tst_WebSocketHandshake : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void acceptKeyOfTheRfcSample();
    void answersWith101();
    void accepts_data();
    void accepts();
    void refuses_data();
    void refuses();
};

void tst_WebSocketHandshake::acceptKeyOfTheRfcSample()
{
    // RFC 6455 section 1.3.
    QCOMPARE(WebSocketHandshake::acceptKey("dGhlIHNhbXBsZSBub25jZQ=="),
        QByteArray("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
}

void tst_WebSocketHandshake::answersWith101()
{
    const auto answer = WebSocketHandshake::answer(upgradeRequest());
    QVERIFY(answer.ok());
    QCOMPARE(*answer,
        QByteArray("HTTP/1.1 101 Switching Protocols\r\n"
                   "Upgrade: websocket\r\n"
                   "Connection: Upgrade\r\n"
                   "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                   "\r\n"));
}

void tst_WebSocketHandshake::accepts_data()
{
    QTest::addColumn<QList<QByteArray>>("lines");
    QTest::addRow("as in the RFC") << QList<QByteArray> {};
    QTest::addRow("tokens in any case")
        << QList<QByteArray> {"Upgrade: WebSocket", "Connection: UPGRADE"};
    QTest::addRow("Connection is a list (Firefox)")
        << QList<QByteArray> {"Connection: keep-alive, Upgrade"};
    // Declined by not answering them: no Sec-WebSocket-Extensions/-Protocol.
    QTest::addRow("permessage-deflate offered") << QList<QByteArray> {
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"};
    QTest::addRow("subprotocol offered") << QList<QByteArray> {"Sec-WebSocket-Protocol: chat"};
}

void tst_WebSocketHandshake::accepts()
{
    QFETCH(QList<QByteArray>, lines);
    const HttpRequest request = upgradeRequest(lines);
    const auto refusal = WebSocketHandshake::check(request);
    QVERIFY2(!refusal, refusal ? refusal->body.constData() : "");
    const auto answer = WebSocketHandshake::answer(request);
    QVERIFY(answer.ok());
    QVERIFY(answer->startsWith("HTTP/1.1 101 Switching Protocols\r\n"));
    QVERIFY(answer->contains("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
    QVERIFY(!answer->contains("Sec-WebSocket-Extensions"));
    QVERIFY(!answer->contains("Sec-WebSocket-Protocol"));
    QVERIFY(answer->endsWith("\r\n\r\n"));
}

void tst_WebSocketHandshake::refuses_data()
{
    QTest::addColumn<QByteArray>("requestLine");
    QTest::addColumn<QList<QByteArray>>("lines");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("message");
    const QByteArray get;
    using Lines = QList<QByteArray>;
    QTest::addRow("POST") << QByteArray("POST /chat HTTP/1.1") << Lines {} << 405 << "must use GET";
    QTest::addRow("no Upgrade") << get << Lines {"Upgrade:"} << 400 << "Upgrade: websocket";
    QTest::addRow("Upgrade to h2c") << get << Lines {"Upgrade: h2c"} << 400 << "Upgrade: websocket";
    QTest::addRow("no Connection") << get << Lines {"Connection:"} << 400 << "Connection: Upgrade";
    QTest::addRow("Connection keep-alive only")
        << get << Lines {"Connection: keep-alive"} << 400 << "Connection: Upgrade";
    QTest::addRow("no version") << get << Lines {"Sec-WebSocket-Version:"} << 426 << "version 13";
    QTest::addRow("version 8") << get << Lines {"Sec-WebSocket-Version: 8"} << 426 << "version 13";
    QTest::addRow("version list") << get << Lines {"Sec-WebSocket-Version: 13, 8"} << 426
                                  << "version 13";
    QTest::addRow("no key") << get << Lines {"Sec-WebSocket-Key:"} << 400 << "16 bytes";
    QTest::addRow("key of 15 bytes")
        << get << Lines {"Sec-WebSocket-Key: " + QByteArray(15, 'k').toBase64()} << 400
        << "16 bytes";
    QTest::addRow("key of 17 bytes")
        << get << Lines {"Sec-WebSocket-Key: " + QByteArray(17, 'k').toBase64()} << 400
        << "16 bytes";
    QTest::addRow("HTTP/1.0") << QByteArray("GET /chat HTTP/1.0") << Lines {} << 400 << "HTTP/1.1";
    QTest::addRow("no Host") << get << Lines {"Host:"} << 400 << "Host";
}

void tst_WebSocketHandshake::refuses()
{
    QFETCH(QByteArray, requestLine);
    QFETCH(QList<QByteArray>, lines);
    QFETCH(int, status);
    QFETCH(QString, message);
    const HttpRequest request = upgradeRequest(lines, requestLine);
    const auto refusal = WebSocketHandshake::check(request);
    QVERIFY(refusal);
    QCOMPARE(refusal->status, status);
    QVERIFY2(errorOf(*refusal).contains(message), qPrintable(errorOf(*refusal)));
    if (status == 426)
        QCOMPARE(refusal->header("Sec-WebSocket-Version"), QByteArray("13"));
    if (status == 405)
        QCOMPARE(refusal->header("Allow"), QByteArray("GET"));
    const auto answer = WebSocketHandshake::answer(request);
    QVERIFY(!answer.ok());
    QCOMPARE(answer.error().status, status);
}

QTEST_GUILESS_MAIN(tst_WebSocketHandshake)
#include "tst_websockethandshake.moc"
