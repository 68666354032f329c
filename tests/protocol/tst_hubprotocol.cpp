#include "protocol/hubprotocol.h"

#include <QJsonObject>
#include <QTest>

Q_DECLARE_METATYPE(farmchat::HubMessage)

using namespace farmchat;

class tst_HubProtocol : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void handshakeRequest_data();
    void handshakeRequest();
    void handshakeResponse();
    void parseValid_data();
    void parseValid();
    void parseInvalid_data();
    void parseInvalid();
    void roundTrip_data();
    void roundTrip();
};

void tst_HubProtocol::handshakeRequest_data()
{
    QTest::addColumn<QByteArray>("record");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("protocol");
    QTest::addColumn<int>("version");
    QTest::addRow("json v1") << QByteArray(R"({"protocol":"json","version":1})") << true << "json"
                             << 1;
    QTest::addRow("messagepack") << QByteArray(R"({"protocol":"messagepack","version":1})") << true
                                 << "messagepack" << 1;
    QTest::addRow("extra fields") << QByteArray(R"({"protocol":"json","version":1,"x":2})") << true
                                  << "json" << 1;
    QTest::addRow("missing version") << QByteArray(R"({"protocol":"json"})") << false << "" << 0;
    QTest::addRow("version string")
        << QByteArray(R"({"protocol":"json","version":"1"})") << false << "" << 0;
    QTest::addRow("version fraction")
        << QByteArray(R"({"protocol":"json","version":1.5})") << false << "" << 0;
    QTest::addRow("version past int")
        << QByteArray(R"({"protocol":"json","version":1e14})") << false << "" << 0;
    QTest::addRow("not json") << QByteArray("hello") << false << "" << 0;
    QTest::addRow("array") << QByteArray("[1]") << false << "" << 0;
    QTest::addRow("empty") << QByteArray() << false << "" << 0;
}

void tst_HubProtocol::handshakeRequest()
{
    QFETCH(QByteArray, record);
    QFETCH(bool, ok);
    const auto parsed = hubprotocol::parseHandshakeRequest(record);
    QCOMPARE(parsed.ok(), ok);
    if (ok) {
        QTEST(parsed->protocol, "protocol");
        QTEST(parsed->version, "version");
    } else {
        QVERIFY(!parsed.error().isEmpty());
    }
}

void tst_HubProtocol::handshakeResponse()
{
    QCOMPARE(hubprotocol::writeHandshakeResponse(), QByteArray("{}\x1e"));
    QCOMPARE(hubprotocol::writeHandshakeResponse({QStringLiteral("nope")}),
        QByteArray("{\"error\":\"nope\"}\x1e"));
    const auto accepted = hubprotocol::parseHandshakeResponse("{}");
    QVERIFY(accepted.ok());
    QVERIFY(accepted->error.isEmpty());
    const auto refused = hubprotocol::parseHandshakeResponse(R"({"error":"bad"})");
    QVERIFY(refused.ok());
    QCOMPARE(refused->error, QStringLiteral("bad"));
    QVERIFY(!hubprotocol::parseHandshakeResponse(R"({"error":3})").ok());
    QCOMPARE(hubprotocol::writeHandshakeRequest(),
        QByteArray("{\"protocol\":\"json\",\"version\":1}\x1e"));
}

void tst_HubProtocol::parseValid_data()
{
    QTest::addColumn<QByteArray>("record");
    QTest::addColumn<int>("type");
    QTest::addColumn<QString>("invocationId");
    QTest::addColumn<QString>("target");
    QTest::addColumn<int>("argumentCount");
    QTest::addRow("invocation") << QByteArray(
        R"({"type":1,"invocationId":"7","target":"Send","arguments":["hi"]})")
                                << 1 << "7"
                                << "Send" << 1;
    QTest::addRow("non-blocking invocation")
        << QByteArray(R"({"type":1,"target":"JoinRoom","arguments":["a"]})") << 1 << ""
        << "JoinRoom" << 1;
    QTest::addRow("no arguments") << QByteArray(R"({"type":1,"target":"X"})") << 1 << ""
                                  << "X" << 0;
    QTest::addRow("null invocation id")
        << QByteArray(R"({"type":1,"invocationId":null,"target":"X","arguments":[]})") << 1 << ""
        << "X" << 0;
    QTest::addRow("stream invocation")
        << QByteArray(R"({"type":4,"invocationId":"1","target":"S","arguments":[]})") << 4 << "1"
        << "S" << 0;
    QTest::addRow("completion result")
        << QByteArray(R"({"type":3,"invocationId":"1","result":42})") << 3 << "1"
        << "" << 0;
    QTest::addRow("completion void") << QByteArray(R"({"type":3,"invocationId":"1"})") << 3 << "1"
                                     << "" << 0;
    QTest::addRow("completion error")
        << QByteArray(R"({"type":3,"invocationId":"1","error":"x"})") << 3 << "1"
        << "" << 0;
    QTest::addRow("stream item") << QByteArray(R"({"type":2,"invocationId":"1","item":1})") << 2
                                 << "1"
                                 << "" << 0;
    QTest::addRow("cancel") << QByteArray(R"({"type":5,"invocationId":"1"})") << 5 << "1"
                            << "" << 0;
    QTest::addRow("ping") << QByteArray(R"({"type":6})") << 6 << ""
                          << "" << 0;
    QTest::addRow("close") << QByteArray(R"({"type":7,"error":"bye","allowReconnect":true})") << 7
                           << ""
                           << "" << 0;
    QTest::addRow("unknown fields ignored") << QByteArray(R"({"type":6,"foo":[1,2]})") << 6 << ""
                                            << "" << 0;
}

void tst_HubProtocol::parseValid()
{
    QFETCH(QByteArray, record);
    const auto parsed = hubprotocol::parseMessage(record);
    QVERIFY2(parsed.ok(), qPrintable(parsed.error()));
    QTEST(int(parsed->type), "type");
    QTEST(parsed->invocationId, "invocationId");
    QTEST(parsed->target, "target");
    QTEST(int(parsed->arguments.size()), "argumentCount");
}

void tst_HubProtocol::parseInvalid_data()
{
    QTest::addColumn<QByteArray>("record");
    QTest::addColumn<QString>("errorContains");
    QTest::addRow("garbage") << QByteArray("{not json") << "not valid JSON";
    QTest::addRow("array") << QByteArray("[]") << "not a JSON object";
    QTest::addRow("no type") << QByteArray(R"({"target":"x"})") << "type";
    QTest::addRow("string type") << QByteArray(R"({"type":"1"})") << "type";
    QTest::addRow("unknown type") << QByteArray(R"({"type":99})") << "unknown message type 99";
    QTest::addRow("type zero") << QByteArray(R"({"type":0})") << "unknown message type 0";
    QTest::addRow("huge type") << QByteArray(R"({"type":1e300})") << "type";
    // Found by fuzz_hubrecords: an integer past int's range was converted to int.
    QTest::addRow("type past int")
        << QByteArray(R"({"type":833333333333333})") << "unknown message type 833333333333333";
    QTest::addRow("negative type past int")
        << QByteArray(R"({"type":-5000000000})") << "unknown message type -5000000000";
    QTest::addRow("invocation no target") << QByteArray(R"({"type":1,"arguments":[]})") << "target";
    QTest::addRow("invocation numeric target")
        << QByteArray(R"({"type":1,"target":5})") << "target";
    QTest::addRow("arguments object")
        << QByteArray(R"({"type":1,"target":"a","arguments":{}})") << "arguments";
    QTest::addRow("numeric invocation id")
        << QByteArray(R"({"type":1,"invocationId":1,"target":"a"})") << "invocationId";
    QTest::addRow("stream ids not strings")
        << QByteArray(R"({"type":1,"target":"a","streamIds":[1]})") << "streamIds";
    QTest::addRow("completion without id")
        << QByteArray(R"({"type":3,"result":1})") << "invocationId";
    QTest::addRow("completion result and error")
        << QByteArray(R"({"type":3,"invocationId":"1","result":1,"error":"e"})") << "both";
    QTest::addRow("close error number") << QByteArray(R"({"type":7,"error":1})") << "error";
    QTest::addRow("close allowReconnect string")
        << QByteArray(R"({"type":7,"allowReconnect":"yes"})") << "allowReconnect";
    QTest::addRow("stream invocation without id")
        << QByteArray(R"({"type":4,"target":"a","arguments":[]})") << "invocationId";
}

void tst_HubProtocol::parseInvalid()
{
    QFETCH(QByteArray, record);
    QFETCH(QString, errorContains);
    const auto parsed = hubprotocol::parseMessage(record);
    QVERIFY(!parsed.ok());
    QVERIFY2(parsed.error().contains(errorContains), qPrintable(parsed.error()));
}

void tst_HubProtocol::roundTrip_data()
{
    QTest::addColumn<HubMessage>("message");
    QTest::addRow("invocation") << HubMessage::invocation(QStringLiteral("messageReceived"),
        {QJsonObject {{QStringLiteral("text"), QStringLiteral("<b>")}}});
    QTest::addRow("invocation with id") << HubMessage::invocation(
        QStringLiteral("Send"), {QStringLiteral("x")}, QStringLiteral("12"));
    QTest::addRow("completion") << HubMessage::completion(QStringLiteral("3"));
    QTest::addRow("completion result")
        << HubMessage::completionResult(QStringLiteral("3"), QStringLiteral("id-1"));
    QTest::addRow("completion null result")
        << HubMessage::completionResult(QStringLiteral("3"), QJsonValue::Null);
    QTest::addRow("completion error")
        << HubMessage::completionError(QStringLiteral("3"), QStringLiteral("boom"));
    QTest::addRow("ping") << HubMessage::ping();
    QTest::addRow("close") << HubMessage::close(QStringLiteral("bye"), true);
    QTest::addRow("close plain") << HubMessage::close();
}

void tst_HubProtocol::roundTrip()
{
    QFETCH(HubMessage, message);
    const QByteArray bytes = hubprotocol::writeMessage(message);
    QVERIFY(bytes.endsWith('\x1e'));
    QCOMPARE(bytes.count('\x1e'), 1);
    const auto parsed = hubprotocol::parseMessage(QByteArrayView(bytes).chopped(1));
    QVERIFY2(parsed.ok(), qPrintable(parsed.error()));
    QCOMPARE(parsed->type, message.type);
    QCOMPARE(parsed->invocationId, message.invocationId);
    QCOMPARE(parsed->target, message.target);
    QCOMPARE(parsed->arguments, message.arguments);
    QCOMPARE(parsed->hasResult, message.hasResult);
    QCOMPARE(parsed->result, message.result);
    QCOMPARE(parsed->hasError, message.hasError);
    QCOMPARE(parsed->error, message.error);
    QCOMPARE(parsed->allowReconnect, message.allowReconnect);
}

QTEST_GUILESS_MAIN(tst_HubProtocol)
#include "tst_hubprotocol.moc"
