#include "protocol/hubcontract.h"
#include "tests/server/rawwebsocket.h"
#include "tests/support/testhttp.h"
#include "tests/support/testnode.h"
#include "tests/support/verifyresult.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace farmchat::test;

// Broken WebSocket framing and broken SignalR against a real farmchat-node
// with its default limits: each case ends with the close code or hub error
// the protocols prescribe, nothing of it is stored or delivered, and /health
// still answers. (tst_badinput covers HTTP, Origin/Host and load; this file
// the two protocols above it.)
class tst_BadProtocol : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void webSocketViolations_data();
    void webSocketViolations();
    void refusedHandshakes_data();
    void refusedHandshakes();
    void badHubMessages_data();
    void badHubMessages();
    void wrongArguments_data();
    void wrongArguments();
    void recordsSplitAtEveryByte();
    void handshakeSplitAtEveryByte();
    void recordInContinuationFrames();
    void unterminatedRecordOverTheLimit();

private:
    void verifyHealthy();
    qint64 metric(const QByteArray &name, const QByteArray &reason);
    QList<QByteArray> lobbyTexts();

    std::unique_ptr<TestNode> m_node;
};

namespace {

const QByteArray kHandshake = "{\"protocol\":\"json\",\"version\":1}\x1e";

// A masked client frame with any first byte (FIN, RSV bits, opcode).
QByteArray frameWithHead(quint8 firstByte, const QByteArray &payload)
{
    QByteArray f = RawWebSocket::frame(0x1, payload);
    f[0] = char(firstByte);
    return f;
}

QByteArray sendRecord(const QByteArray &id, const QByteArray &text)
{
    return "{\"type\":1,\"invocationId\":\"" + id + "\",\"target\":\"Send\",\"arguments\":[\""
        + text + "\"]}\x1e";
}

QByteArray closeFrame(quint16 code, const QByteArray &reason = {})
{
    QByteArray payload;
    payload.append(char(code >> 8));
    payload.append(char(code & 0xff));
    return RawWebSocket::frame(0x8, payload + reason);
}

} // namespace

void tst_BadProtocol::init()
{
    m_node = std::make_unique<TestNode>();
    FARMCHAT_VERIFY_OK(m_node->start());
}

void tst_BadProtocol::cleanup()
{
    if (m_node)
        QVERIFY2(m_node->isRunning(), m_node->output().right(2000).constData());
    m_node.reset();
}

void tst_BadProtocol::verifyHealthy()
{
    const QString problem = healthProblem(m_node->url(QStringLiteral("/health")));
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

qint64 tst_BadProtocol::metric(const QByteArray &name, const QByteArray &reason)
{
    return reasonMetric(m_node->url(QStringLiteral("/metrics")), name,
        "node-" + QByteArray::number(m_node->port()), reason);
}

QList<QByteArray> tst_BadProtocol::lobbyTexts()
{
    return messageTexts(m_node->url(QStringLiteral("/rooms/lobby/messages")));
}

void tst_BadProtocol::webSocketViolations_data()
{
    QTest::addColumn<QByteArray>("frames");
    QTest::addColumn<int>("code");
    QTest::addColumn<QByteArray>("reason"); // metric label
    const QByteArray ping = "{\"type\":6}\x1e";
    // RFC 6455 5.2: RSV bits without a negotiated extension, reserved opcodes.
    QTest::addRow("RSV1") << frameWithHead(0x80 | 0x40 | 0x1, ping) << 1002
                          << QByteArray("protocol_error");
    QTest::addRow("RSV2") << frameWithHead(0x80 | 0x20 | 0x1, ping) << 1002
                          << QByteArray("protocol_error");
    QTest::addRow("RSV3") << frameWithHead(0x80 | 0x10 | 0x1, ping) << 1002
                          << QByteArray("protocol_error");
    for (quint8 opcode : {0x3, 0x7, 0xB, 0xF})
        QTest::addRow("reserved opcode 0x%X", opcode)
            << frameWithHead(0x80 | opcode, "x") << 1002 << QByteArray("protocol_error");
    // RFC 6455 5.4 and 5.5: control frames are short and whole; fragments continue something.
    QTest::addRow("fragmented ping")
        << frameWithHead(0x09, "x") << 1002 << QByteArray("protocol_error");
    QTest::addRow("126-byte ping")
        << frameWithHead(0x89, QByteArray(126, 'p')) << 1002 << QByteArray("protocol_error");
    QTest::addRow("continuation first")
        << frameWithHead(0x80, ping) << 1002 << QByteArray("protocol_error");
    QTest::addRow("text inside a fragmented message") << frameWithHead(0x01, "{\"type\"")
            + frameWithHead(0x81, ":6}\x1e") << 1002 << QByteArray("protocol_error");
    // RFC 6455 5.5.1 and 7.4: a close body is a valid code and UTF-8.
    QTest::addRow("close with one byte")
        << RawWebSocket::frame(0x8, "\x03") << 1002 << QByteArray("protocol_error");
    for (quint16 code : {999, 1005, 1006, 5000})
        QTest::addRow("close code %d", code)
            << closeFrame(code) << 1002 << QByteArray("protocol_error");
    QTest::addRow("close reason not UTF-8")
        << closeFrame(1000, "\xff") << 1007 << QByteArray("invalid_utf8");
    // RFC 6455 8.1: text is UTF-8, checked across fragments.
    const QByteArray head = "{\"type\":1,\"target\":\"Send\",\"arguments\":[\"";
    const QByteArray tail = "\"]}\x1e";
    QTest::addRow("UTF-8 broken across fragments")
        << frameWithHead(0x01, head + "\xc3") + frameWithHead(0x80, "\x28" + tail) << 1007
        << QByteArray("invalid_utf8");
    QTest::addRow("overlong encoding")
        << RawWebSocket::frame(0x1, head + "\xc0\xaf" + tail) << 1007 << QByteArray("invalid_utf8");
    QTest::addRow("encoded surrogate") << RawWebSocket::frame(0x1, head + "\xed\xa0\x80" + tail)
                                       << 1007 << QByteArray("invalid_utf8");
    QTest::addRow("beyond U+10FFFF") << RawWebSocket::frame(0x1, head + "\xf4\x90\x80\x80" + tail)
                                     << 1007 << QByteArray("invalid_utf8");
    QTest::addRow("truncated at the end")
        << RawWebSocket::frame(0x1, head + "ok" + tail + "\xe2\x82") << 1007
        << QByteArray("invalid_utf8");
}

void tst_BadProtocol::webSocketViolations()
{
    QFETCH(QByteArray, frames);
    QFETCH(int, code);
    QFETCH(QByteArray, reason);
    RawWebSocket ws;
    QVERIFY(ws.openHub(m_node->port()));
    ws.send(frames);
    QCOMPARE(ws.waitForClose(), code);
    QVERIFY(!ws.closeReason().isEmpty()); // the close frame says why
    QVERIFY(lobbyTexts().isEmpty());
    QTRY_COMPARE(metric("farmchat_connections_closed_total", reason), 1);
    verifyHealthy();
}

void tst_BadProtocol::refusedHandshakes_data()
{
    QTest::addColumn<QByteArray>("handshake");
    QTest::addColumn<QByteArray>("errorPart");
    QTest::addColumn<int>("code");
    QTest::addRow("unknown protocol")
        << QByteArray("{\"protocol\":\"messagepack\",\"version\":1}\x1e")
        << QByteArray("'messagepack' is not supported") << 1000;
    QTest::addRow("unknown version") << QByteArray("{\"protocol\":\"json\",\"version\":2}\x1e")
                                     << QByteArray("version 2") << 1000;
    QTest::addRow("protocol not a string")
        << QByteArray("{\"protocol\":1,\"version\":1}\x1e") << QByteArray("'protocol'") << 1002;
    QTest::addRow("a message instead") << sendRecord("1", "hi") << QByteArray("'protocol'") << 1002;
    QTest::addRow("not JSON") << QByteArray("\x01\x02\x03\x1e") << QByteArray("not valid JSON")
                              << 1002;
}

void tst_BadProtocol::refusedHandshakes()
{
    QFETCH(QByteArray, handshake);
    QFETCH(QByteArray, errorPart);
    QFETCH(int, code);
    RawWebSocket ws;
    QVERIFY(ws.open(m_node->port()));
    ws.sendText(handshake);
    QCOMPARE(ws.waitForClose(), code);
    // HubProtocol.md: the answer is a handshake response carrying the error.
    const QJsonObject answer
        = QJsonDocument::fromJson(ws.textReceived().split('\x1e').first()).object();
    QVERIFY2(answer.value(u"error").toString().toUtf8().contains(errorPart),
        ws.textReceived().constData());
    QTRY_COMPARE(metric("farmchat_connections_closed_total", "bad_handshake"), 1);
    verifyHealthy();
}

void tst_BadProtocol::badHubMessages_data()
{
    QTest::addColumn<QByteArray>("record");
    QTest::addColumn<int>("code");
    QTest::addColumn<QByteArray>("errorPart");
    QTest::addRow("malformed JSON")
        << QByteArray("{\"type\":1,\"target\":\x1e") << 1002 << QByteArray("not valid JSON");
    QTest::addRow("JSON array") << QByteArray("[1]\x1e") << 1002 << QByteArray("object");
    QTest::addRow("unknown type") << QByteArray("{\"type\":42}\x1e") << 1002
                                  << QByteArray("unknown message type 42");
    QTest::addRow("type past int") << QByteArray("{\"type\":833333333333333}\x1e") << 1002
                                   << QByteArray("unknown message type");
    QTest::addRow("type as text") << QByteArray("{\"type\":\"1\"}\x1e") << 1002
                                  << QByteArray("type");
    QTest::addRow("invocation without target")
        << QByteArray("{\"type\":1,\"arguments\":[]}\x1e") << 1002 << QByteArray("target");
    QTest::addRow("arguments an object")
        << QByteArray("{\"type\":1,\"target\":\"Send\",\"arguments\":{}}\x1e") << 1002
        << QByteArray("arguments");
    QTest::addRow("completion without id")
        << QByteArray("{\"type\":3,\"result\":1}\x1e") << 1002 << QByteArray("invocationId");
    QTest::addRow("stateful reconnect ack") << QByteArray("{\"type\":8,\"sequenceId\":1}\x1e")
                                            << 1003 << QByteArray("stateful reconnect");
}

void tst_BadProtocol::badHubMessages()
{
    QFETCH(QByteArray, record);
    QFETCH(int, code);
    QFETCH(QByteArray, errorPart);
    RawWebSocket ws;
    QVERIFY(ws.openHub(m_node->port()));
    ws.sendText(record);
    QCOMPARE(ws.waitForClose(), code);
    // The hub Close message (type 7) comes first and names the problem.
    const QList<QByteArray> records = ws.textReceived().split('\x1e');
    QVERIFY(records.size() >= 2);
    const QJsonObject close = QJsonDocument::fromJson(records[records.size() - 2]).object();
    QCOMPARE(close.value(u"type").toInt(), 7);
    QVERIFY2(close.value(u"error").toString().toUtf8().contains(errorPart),
        records[records.size() - 2].constData());
    QTRY_COMPARE(metric("farmchat_connections_closed_total", "protocol_error"), 1);
    verifyHealthy();
}

void tst_BadProtocol::wrongArguments_data()
{
    QTest::addColumn<QString>("method");
    QTest::addColumn<QJsonArray>("arguments");
    QTest::addColumn<QString>("errorPart");
    const QString big(20 * 1024, u'x'); // 20 KB: under the 32 KB message limit, over every field's
    using namespace farmchat::hubcontract;
    const QString send(kSend.name), sendToRoom(kSendToRoom.name), joinRoom(kJoinRoom.name),
        leaveRoom(kLeaveRoom.name), setName(kSetName.name), history(kHistory.name);
    QTest::addRow("Send without text") << send << QJsonArray {} << "expects 1 argument";
    QTest::addRow("Send a number") << send << QJsonArray {42} << "must be a string";
    QTest::addRow("Send 20 KB of text") << send << QJsonArray {big} << "longer than 4000";
    QTest::addRow("SendToRoom three") << sendToRoom << QJsonArray {"a", "b", "c"} << "got 3";
    QTest::addRow("SendToRoom 20 KB room")
        << sendToRoom << QJsonArray {big, "t"} << "longer than 64";
    QTest::addRow("JoinRoom 20 KB room") << joinRoom << QJsonArray {big} << "longer than 64";
    QTest::addRow("JoinRoom null") << joinRoom << QJsonArray {QJsonValue()} << "a string";
    QTest::addRow("LeaveRoom object") << leaveRoom << QJsonArray {QJsonObject {}} << "a string";
    QTest::addRow("SetName 20 KB name") << setName << QJsonArray {big} << "longer than 64";
    QTest::addRow("SetName array")
        << setName << QJsonArray {QJsonValue(QJsonArray {"a"})} << "a string";
    QTest::addRow("History 20 KB room")
        << history << QJsonArray {big, QJsonValue(), 10} << "longer than 64";
    QTest::addRow("History 20 KB afterId")
        << history << QJsonArray {"lobby", big, 10} << "longer than 256";
    QTest::addRow("History limit text")
        << history << QJsonArray {"lobby", QJsonValue(), "10"} << "limit";
    QTest::addRow("unknown method") << "DropTables" << QJsonArray {} << "unknown method";
}

void tst_BadProtocol::wrongArguments()
{
    QFETCH(QString, method);
    QFETCH(QJsonArray, arguments);
    QFETCH(QString, errorPart);
    RawWebSocket ws;
    QVERIFY(ws.openHub(m_node->port()));
    const QJsonObject invocation {{QStringLiteral("type"), 1},
        {QStringLiteral("invocationId"), QStringLiteral("bad")}, {QStringLiteral("target"), method},
        {QStringLiteral("arguments"), arguments}};
    ws.sendText(QJsonDocument(invocation).toJson(QJsonDocument::Compact) + '\x1e');
    QVERIFY(ws.waitForText("\"invocationId\":\"bad\""));
    QJsonObject completion;
    for (const QByteArray &record : ws.textReceived().split('\x1e')) {
        const QJsonObject o = QJsonDocument::fromJson(record).object();
        if (o.value(u"invocationId").toString() == u"bad")
            completion = o;
    }
    QCOMPARE(completion.value(u"type").toInt(), 3);
    const QString error = completion.value(u"error").toString();
    QVERIFY2(error.contains(errorPart), qPrintable(error));
    QVERIFY2(error.size() < 200, "the error must not echo the 20 KB argument back");
    // The connection stays usable, and nothing was stored.
    ws.sendText(sendRecord("after", "still here"));
    QVERIFY(ws.waitForText("\"invocationId\":\"after\",\"result\""));
    QCOMPARE(lobbyTexts(), QList<QByteArray> {"still here"});
    QVERIFY(!ws.peerClosed());
    verifyHealthy();
}

void tst_BadProtocol::recordsSplitAtEveryByte()
{
    RawWebSocket ws;
    QVERIFY(ws.openHub(m_node->port()));
    // One record cut into two WebSocket messages at every byte boundary; the
    // next record starts in the second half's message for half of them.
    QList<QByteArray> expected;
    const QByteArray sample = sendRecord("00", "split 00");
    QByteArray carry;
    for (int cut = 1; cut < sample.size(); ++cut) {
        const QByteArray id = QByteArray::number(cut).rightJustified(2, '0');
        const QByteArray record = sendRecord(id, "split " + id);
        expected << "split " + id;
        if (cut % 2 == 0) {
            ws.sendText(carry + record.left(cut));
            ws.sendText(record.mid(cut));
            carry.clear();
        } else {
            ws.sendText(carry + record.left(cut));
            carry = record.mid(cut); // sent in front of the next record's first half
        }
    }
    if (!carry.isEmpty())
        ws.sendText(carry);
    QVERIFY(ws.waitForText(
        "\"invocationId\":\"" + QByteArray::number(sample.size() - 1) + "\",\"result\""));
    QTRY_COMPARE(lobbyTexts(), expected);
    QVERIFY(!ws.textReceived().contains("\"error\""));
    verifyHealthy();
}

void tst_BadProtocol::handshakeSplitAtEveryByte()
{
    for (int cut = 1; cut < kHandshake.size(); ++cut) {
        RawWebSocket ws;
        QVERIFY(ws.open(m_node->port()));
        ws.sendText(kHandshake.left(cut));
        ws.sendText(kHandshake.mid(cut) + sendRecord("1", "hello"));
        QVERIFY2(ws.waitForText("{}\x1e"), qPrintable(QString::number(cut)));
        QVERIFY2(
            ws.waitForText("\"invocationId\":\"1\",\"result\""), qPrintable(QString::number(cut)));
    }
    QTRY_COMPARE(lobbyTexts().size(), kHandshake.size() - 1);
    verifyHealthy();
}

void tst_BadProtocol::recordInContinuationFrames()
{
    RawWebSocket ws;
    QVERIFY(ws.openHub(m_node->port()));
    // One WebSocket message in 1-byte fragments (RFC 6455 5.4), holding two records.
    const QByteArray message = sendRecord("a", "fragment a") + sendRecord("b", "fragment b");
    QByteArray frames;
    for (qsizetype i = 0; i < message.size(); ++i) {
        const quint8 opcode = i == 0 ? 0x1 : 0x0;
        const quint8 fin = i == message.size() - 1 ? 0x80 : 0x00;
        frames += frameWithHead(fin | opcode, message.mid(i, 1));
    }
    ws.send(frames);
    QVERIFY(ws.waitForText("\"invocationId\":\"b\",\"result\""));
    QCOMPARE(lobbyTexts(), (QList<QByteArray> {"fragment a", "fragment b"}));
    verifyHealthy();
}

void tst_BadProtocol::unterminatedRecordOverTheLimit()
{
    RawWebSocket ws;
    QVERIFY(ws.openHub(m_node->port()));
    // 40 messages of 1,000 bytes and no 0x1E: each fits the 32 KB message
    // limit, but the record they add up to does not, and is not kept.
    ws.sendText("{\"type\":1,\"target\":\"Send\",\"arguments\":[\"");
    for (int i = 0; i < 40 && !ws.peerClosed(); ++i)
        ws.sendText(QByteArray(1000, 'r'));
    QCOMPARE(ws.waitForClose(), 1009);
    QVERIFY(ws.textReceived().contains("record larger than 32768 bytes"));
    QTRY_COMPARE(metric("farmchat_connections_closed_total", "message_too_big"), 1);
    verifyHealthy();
}

QTEST_GUILESS_MAIN(tst_BadProtocol)
#include "tst_badprotocol.moc"
