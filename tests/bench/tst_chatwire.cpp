// The chat protocols as the load generator writes and reads them: SignalR
// JSON hub records, Socket.IO event packets, and the message tag.
#include "bench/loadgen/chatwire.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace farmchat::bench;

class tst_ChatWire : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void tagRoundTrip_data();
    void tagRoundTrip();
    void tagInsideSignalrMessage();
    void tagRejectsGarbage_data();
    void tagRejectsGarbage();
    void signalrInvocationIsValidJson();
    void signalrType_data();
    void signalrType();
    void records();
    void socketIoEvent();
    void upgradeTarget();
};

void tst_ChatWire::tagRoundTrip_data()
{
    QTest::addColumn<quint64>("seq");
    QTest::addColumn<qint64>("sentNs");
    QTest::addColumn<int>("textBytes");
    QTest::addRow("zero") << quint64(0) << qint64(0) << 24;
    QTest::addRow("typical") << quint64(123456) << qint64(987654321012345) << 64;
    QTest::addRow("huge") << quint64(UINT64_MAX) << qint64(INT64_MAX) << 24;
}

void tst_ChatWire::tagRoundTrip()
{
    QFETCH(quint64, seq);
    QFETCH(qint64, sentNs);
    QFETCH(int, textBytes);
    std::string text;
    chatwire::appendTaggedText(text, {seq, sentNs}, static_cast<std::size_t>(textBytes));
    QVERIFY(text.size() >= static_cast<std::size_t>(textBytes));
    chatwire::Tag tag;
    QVERIFY(chatwire::findTag(text, tag));
    QCOMPARE(quint64(tag.seq), seq);
    QCOMPARE(qint64(tag.sentNs), sentNs);
}

void tst_ChatWire::tagInsideSignalrMessage()
{
    const std::string record
        = R"({"type":1,"target":"messageReceived","arguments":[{"id":"7","room":"bench",)"
          R"("from":"a","text":"L#42.1000~xxxx","node":"node-9090","sentAt":1,"via":"pubsub"}]})";
    QCOMPARE(chatwire::signalrType(record), 1);
    chatwire::Tag tag;
    QVERIFY(chatwire::findTag(record, tag));
    QCOMPARE(tag.seq, std::uint64_t(42));
    QCOMPARE(tag.sentNs, std::int64_t(1000));
}

void tst_ChatWire::tagRejectsGarbage_data()
{
    QTest::addColumn<QString>("text");
    QTest::addRow("none") << QStringLiteral("hello");
    QTest::addRow("no dot") << QStringLiteral("L#42~");
    QTest::addRow("no end") << QStringLiteral("L#42.77");
    QTest::addRow("letters") << QStringLiteral("L#4x.7~");
}

void tst_ChatWire::tagRejectsGarbage()
{
    QFETCH(QString, text);
    chatwire::Tag tag;
    QVERIFY(!chatwire::findTag(text.toStdString(), tag));
}

void tst_ChatWire::signalrInvocationIsValidJson()
{
    std::string out;
    chatwire::appendSignalrInvocation(out, "SendToRoom", "bench", "say \"hi\"\\\n", "");
    QCOMPARE(out.back(), chatwire::kRecordSeparator);
    out.pop_back();
    const QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(out)).object();
    QCOMPARE(o.value(QLatin1String("type")).toInt(), 1);
    QVERIFY(!o.contains(QLatin1String("invocationId"))); // fire-and-forget
    QCOMPARE(o.value(QLatin1String("target")).toString(), QStringLiteral("SendToRoom"));
    const QJsonArray args = o.value(QLatin1String("arguments")).toArray();
    QCOMPARE(args.size(), 2);
    QCOMPARE(args.at(1).toString(), QStringLiteral("say \"hi\"\\\n"));

    out.clear();
    chatwire::appendSignalrInvocation(out, "JoinRoom", "bench", {}, "join");
    out.pop_back();
    const QJsonObject join = QJsonDocument::fromJson(QByteArray::fromStdString(out)).object();
    QCOMPARE(join.value(QLatin1String("invocationId")).toString(), QStringLiteral("join"));
    QCOMPARE(join.value(QLatin1String("arguments")).toArray().size(), 1);
}

void tst_ChatWire::signalrType_data()
{
    QTest::addColumn<QString>("record");
    QTest::addColumn<int>("type");
    QTest::addRow("handshake ok") << QStringLiteral("{}") << 0;
    QTest::addRow("handshake error") << QStringLiteral(R"({"error":"nope"})") << -1;
    QTest::addRow("ping") << QStringLiteral(R"({"type":6})") << 6;
    QTest::addRow("completion") << QStringLiteral(R"({"type":3,"invocationId":"join"})") << 3;
    QTest::addRow("close") << QStringLiteral(R"({"type": 7,"error":"bye"})") << 7;
}

void tst_ChatWire::signalrType()
{
    QFETCH(QString, record);
    QFETCH(int, type);
    QCOMPARE(chatwire::signalrType(record.toStdString()), type);
}

void tst_ChatWire::records()
{
    std::vector<std::string> got;
    chatwire::forEachRecord(std::string_view("{}\x1e{\"type\":6}\x1e{\"partial"),
        [&got](std::string_view r) { got.emplace_back(r); });
    QCOMPARE(got.size(), std::size_t(2));
    QVERIFY(got[0] == "{}");
    QVERIFY(got[1] == "{\"type\":6}");
}

void tst_ChatWire::socketIoEvent()
{
    std::string out;
    chatwire::appendSocketIoEvent(out, "join", "bench", {}, 1);
    QVERIFY(out == R"(421["join","bench"])");
    out.clear();
    chatwire::appendSocketIoEvent(out, "chat", "bench", "L#1.2~", -1);
    QVERIFY(out == R"(42["chat",{"room":"bench","text":"L#1.2~"}])");
}

void tst_ChatWire::upgradeTarget()
{
    QVERIFY(chatwire::upgradeTarget(WireKind::SignalR, "/chat", "") == "/chat");
    QVERIFY(chatwire::upgradeTarget(WireKind::SignalR, "/chat", "abc") == "/chat?id=abc");
    QVERIFY(chatwire::upgradeTarget(WireKind::SocketIo, "/socket.io", "")
        == "/socket.io/?EIO=4&transport=websocket");
    QVERIFY(chatwire::upgradeTarget(WireKind::Raw, "/", "") == "/");
}

QTEST_GUILESS_MAIN(tst_ChatWire)
#include "tst_chatwire.moc"
