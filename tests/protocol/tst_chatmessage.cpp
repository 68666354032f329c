#include "protocol/backplanemode.h"
#include "protocol/chatmessage.h"
#include "protocol/limits.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace farmchat;

class tst_ChatMessage : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void roundTrip();
    void rejects_data();
    void rejects();
    void labels_data();
    void labels();
    void backplaneModes();
};

void tst_ChatMessage::roundTrip()
{
    ChatMessage m {QStringLiteral("node-9090:abc:1"), QStringLiteral("lobby"),
        QStringLiteral("ann"), QStringLiteral("<script>alert(1)</script>"),
        QStringLiteral("node-9090"), 1700000000123, Via::PubSub};
    const auto parsed = ChatMessage::fromJson(m.toJson());
    QVERIFY2(parsed.ok(), qPrintable(parsed.error()));
    QCOMPARE(parsed.value(), m);
    QCOMPARE(m.toJson().value(u"via").toString(), QStringLiteral("pubsub"));
}

void tst_ChatMessage::rejects_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addRow("not object") << QByteArray("[1]");
    QTest::addRow("missing id") << QByteArray(
        R"({"room":"a","from":"b","text":"c","node":"n","sentAt":1,"via":"local"})");
    QTest::addRow("text number") << QByteArray(
        R"({"id":"1","room":"a","from":"b","text":3,"node":"n","sentAt":1,"via":"local"})");
    QTest::addRow("sentAt string") << QByteArray(
        R"({"id":"1","room":"a","from":"b","text":"c","node":"n","sentAt":"1","via":"local"})");
    QTest::addRow("bad via") << QByteArray(
        R"({"id":"1","room":"a","from":"b","text":"c","node":"n","sentAt":1,"via":"x"})");
    // Found by fuzz_messages: a sentAt past qint64's range was converted to qint64.
    QTest::addRow("sentAt huge") << QByteArray(
        R"({"id":"1","room":"a","from":"b","text":"c","node":"n","sentAt":1.7e37,"via":"local"})");
    QTest::addRow("sentAt fraction") << QByteArray(
        R"({"id":"1","room":"a","from":"b","text":"c","node":"n","sentAt":1.5,"via":"local"})");
}

void tst_ChatMessage::rejects()
{
    QFETCH(QByteArray, json);
    const QJsonDocument doc = QJsonDocument::fromJson(json);
    const QJsonValue value = doc.isObject() ? QJsonValue(doc.object()) : QJsonValue(doc.array());
    const auto parsed = ChatMessage::fromJson(value);
    QVERIFY(!parsed.ok());
    QVERIFY(!parsed.error().isEmpty());
}

void tst_ChatMessage::labels_data()
{
    QTest::addColumn<QString>("value");
    QTest::addColumn<bool>("roomOk");
    QTest::addColumn<bool>("textOk");
    QTest::addRow("plain") << "lobby" << true << true;
    QTest::addRow("unicode") << QStringLiteral("Café ☕") << true << true;
    QTest::addRow("empty") << "" << false << false;
    QTest::addRow("spaces only") << "   " << false << false;
    QTest::addRow("leading space") << " a" << false << true;
    QTest::addRow("control") << QStringLiteral("a\nb") << false << true;
    QTest::addRow("too long for a room")
        << QString(limits::kMaxRoomChars + 1, u'x') << false << true;
    QTest::addRow("too long for text")
        << QString(limits::kMaxTextChars + 1, u'x') << false << false;
}

void tst_ChatMessage::labels()
{
    QFETCH(QString, value);
    QFETCH(bool, roomOk);
    QFETCH(bool, textOk);
    QCOMPARE(checkRoomName(value).ok(), roomOk);
    QCOMPARE(checkUserName(value).ok(), roomOk);
    QCOMPARE(checkMessageText(value).ok(), textOk);
    // A refusal always says why.
    QCOMPARE(checkRoomName(value).error().isEmpty(), roomOk);
    QCOMPARE(checkMessageText(value).error().isEmpty(), textOk);
}

void tst_ChatMessage::backplaneModes()
{
    QCOMPARE(parseBackplaneMode(u"off").value(), BackplaneMode::Off);
    QCOMPARE(parseBackplaneMode(u"PubSub").value(), BackplaneMode::PubSub);
    QCOMPARE(parseBackplaneMode(u"pub-sub").value(), BackplaneMode::PubSub);
    QCOMPARE(parseBackplaneMode(u"streams").value(), BackplaneMode::Streams);
    QVERIFY(!parseBackplaneMode(u"kafka").ok());
    QVERIFY(parseBackplaneMode(u"kafka").error().contains(QStringLiteral("kafka")));
    for (auto mode : {BackplaneMode::Off, BackplaneMode::PubSub, BackplaneMode::Streams})
        QCOMPARE(parseBackplaneMode(modeName(mode)).value(), mode);
}

QTEST_GUILESS_MAIN(tst_ChatMessage)
#include "tst_chatmessage.moc"
