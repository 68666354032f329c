// The HTTP side of the load generator's WebSocket handshake (RFC 6455 §4)
// and SignalR's negotiate answer.
#include "bench/loadgen/httpupgrade_p.h"

#include <QTest>

using namespace farmchat::bench;
using farmchat::Result;

class tst_HttpUpgrade : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void acceptKeyFromRfc();
    void checkResponse_data();
    void checkResponse();
    void headerLookup();
    void negotiateToken_data();
    void negotiateToken();
};

void tst_HttpUpgrade::acceptKeyFromRfc()
{
    // The worked example of RFC 6455 §1.3.
    QVERIFY(httpupgrade::acceptKey("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    QVERIFY(httpupgrade::randomKey(1) != httpupgrade::randomKey(2));
    QCOMPARE(httpupgrade::randomKey(1).size(), std::size_t(24));
}

void tst_HttpUpgrade::checkResponse_data()
{
    QTest::addColumn<QString>("head");
    QTest::addColumn<QString>("errorPart");
    const QString key = QStringLiteral("dGhlIHNhbXBsZSBub25jZQ==");
    QTest::addRow("ok") << QString::fromStdString(httpupgrade::upgradeResponse(key.toStdString()))
                        << QString();
    QTest::addRow("refused") << QStringLiteral(
        "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                             << QStringLiteral("403 Forbidden");
    QTest::addRow("wrong accept") << QStringLiteral(
        "HTTP/1.1 101 Switching Protocols\r\nsec-websocket-accept: nope\r\n\r\n")
                                  << QStringLiteral("Sec-WebSocket-Accept");
    QTest::addRow("not http") << QStringLiteral("garbage\r\n\r\n") << QStringLiteral("refused");
}

void tst_HttpUpgrade::checkResponse()
{
    QFETCH(QString, head);
    QFETCH(QString, errorPart);
    const Result<void> checked
        = httpupgrade::checkUpgradeResponse(head.toStdString(), "dGhlIHNhbXBsZSBub25jZQ==");
    if (errorPart.isEmpty())
        QVERIFY2(checked.ok(), qPrintable(checked.error()));
    else
        QVERIFY2(!checked.ok() && checked.error().contains(errorPart), qPrintable(checked.error()));
}

void tst_HttpUpgrade::headerLookup()
{
    const std::string head = "HTTP/1.1 200 OK\r\ncontent-LENGTH:  42 \r\nX-A: b\r\n\r\n";
    QCOMPARE(httpupgrade::headerEnd(head), head.size());
    QVERIFY(httpupgrade::headerValue(head, "Content-Length") == "42");
    QVERIFY(httpupgrade::headerValue(head, "X-A") == "b");
    QVERIFY(httpupgrade::headerValue(head, "X").empty());
    QCOMPARE(httpupgrade::statusCode(head), 200);
    QCOMPARE(httpupgrade::headerEnd("HTTP/1.1 200 OK\r\n"), std::string::npos);
}

void tst_HttpUpgrade::negotiateToken_data()
{
    QTest::addColumn<QString>("body");
    QTest::addColumn<QString>("token");
    QTest::addColumn<bool>("ok");
    QTest::addRow("v1") << QStringLiteral(
        R"({"negotiateVersion":1,"connectionId":"a","connectionToken":"t/1+"})")
                        << QStringLiteral("t%2F1%2B") << true;
    QTest::addRow("v0") << QStringLiteral(R"({"connectionId":"abc"})") << QStringLiteral("abc")
                        << true;
    QTest::addRow("no token") << QStringLiteral(R"({"error":"x"})") << QString() << false;
    QTest::addRow("not json") << QStringLiteral("<html>") << QString() << false;
}

void tst_HttpUpgrade::negotiateToken()
{
    QFETCH(QString, body);
    QFETCH(QString, token);
    QFETCH(bool, ok);
    const Result<std::string> got = httpupgrade::negotiateToken(body.toStdString());
    QCOMPARE(got.ok(), ok);
    if (ok)
        QCOMPARE(QString::fromStdString(got.value()), token);
    else
        QVERIFY(!got.error().isEmpty());
}

QTEST_GUILESS_MAIN(tst_HttpUpgrade)
#include "tst_httpupgrade.moc"
