#include "client/negotiator_p.h"

#include <QTest>

using namespace farmchat;

class tst_Negotiator : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void urls_data();
    void urls();
    void parse_data();
    void parse();
};

void tst_Negotiator::urls_data()
{
    QTest::addColumn<QString>("hub");
    QTest::addColumn<QString>("token");
    QTest::addColumn<QString>("negotiate");
    QTest::addColumn<QString>("webSocket");
    QTest::addRow("plain") << "http://127.0.0.1:9090/chat"
                           << "abc"
                           << "http://127.0.0.1:9090/chat/negotiate?negotiateVersion=1"
                           << "ws://127.0.0.1:9090/chat?id=abc";
    QTest::addRow("trailing slash") << "http://127.0.0.1:9090/chat/"
                                    << ""
                                    << "http://127.0.0.1:9090/chat/negotiate?negotiateVersion=1"
                                    << "ws://127.0.0.1:9090/chat/";
    QTest::addRow("https and query kept")
        << "https://example.test/hub?tenant=a"
        << "t+k/="
        << "https://example.test/hub/negotiate?tenant=a&negotiateVersion=1"
        << "wss://example.test/hub?tenant=a&id=t%2Bk%2F%3D";
    QTest::addRow("token with ampersand and percent")
        << "http://h/chat?id=old"
        << "a&b%c"
        << "http://h/chat/negotiate?id=old&negotiateVersion=1"
        << "ws://h/chat?id=a%26b%25c";
    QTest::addRow("ws given") << "ws://127.0.0.1:1/chat"
                              << "x"
                              << "http://127.0.0.1:1/chat/negotiate?negotiateVersion=1"
                              << "ws://127.0.0.1:1/chat?id=x";
}

void tst_Negotiator::urls()
{
    QFETCH(QString, hub);
    QFETCH(QString, token);
    QFETCH(QString, negotiate);
    QFETCH(QString, webSocket);
    QCOMPARE(Negotiator::negotiateUrl(QUrl(hub)).toString(QUrl::FullyEncoded), negotiate);
    QCOMPARE(Negotiator::webSocketUrl(QUrl(hub), token).toString(QUrl::FullyEncoded), webSocket);
}

void tst_Negotiator::parse_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("token"); // empty: a failure is expected
    QTest::addColumn<QString>("errorPart");
    const QByteArray ws
        = R"("availableTransports":[{"transport":"WebSockets","transferFormats":["Text","Binary"]}])";
    QTest::addRow("v1") << QByteArray(
        R"({"negotiateVersion":1,"connectionId":"i","connectionToken":"t",)" + ws + "}")
                        << "t"
                        << "";
    QTest::addRow("v0") << QByteArray(R"({"connectionId":"i",)" + ws + "}") << "i"
                        << "";
    QTest::addRow("extra fields ignored") << QByteArray(
        R"({"negotiateVersion":1,"connectionId":"i","connectionToken":"t","useStatefulReconnect":false,)"
        + ws + "}") << "t"
                                          << "";
    QTest::addRow("several transports") << QByteArray(
        R"({"connectionId":"i","availableTransports":[{"transport":"ServerSentEvents","transferFormats":["Text"]},{"transport":"WebSockets","transferFormats":["Text"]}]})")
                                        << "i"
                                        << "";
    QTest::addRow("empty") << QByteArray() << ""
                           << "not valid JSON";
    QTest::addRow("no id") << QByteArray("{" + ws + "}") << ""
                           << "no 'connectionId'";
    QTest::addRow("id not a string") << QByteArray(R"({"connectionId":5,)" + ws + "}") << ""
                                     << "no 'connectionId'";
    QTest::addRow("v1 no token") << QByteArray(R"({"negotiateVersion":1,"connectionId":"i",)" + ws
        + "}") << ""
                                 << "no 'connectionToken'";
    QTest::addRow("error") << QByteArray(R"({"error":"Negotiate failed"})") << ""
                           << "refused to negotiate: Negotiate failed";
    QTest::addRow("no transports")
        << QByteArray(R"({"connectionId":"i","availableTransports":[]})") << ""
        << "offered: nothing";
    QTest::addRow("garbage transports")
        << QByteArray(R"({"connectionId":"i","availableTransports":[1,"x",null]})") << ""
        << "does not offer";
}

void tst_Negotiator::parse()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, token);
    QFETCH(QString, errorPart);
    const auto result = Negotiator::parseResponse(body);
    if (token.isEmpty()) {
        QVERIFY(!result.ok());
        QVERIFY2(result.error().contains(errorPart), qPrintable(result.error()));
    } else {
        QVERIFY2(result.ok(), qPrintable(result.error()));
        QCOMPARE(result->connectionToken, token);
        QCOMPARE(result->connectionId, QStringLiteral("i"));
    }
}

QTEST_GUILESS_MAIN(tst_Negotiator)
#include "tst_negotiator.moc"
