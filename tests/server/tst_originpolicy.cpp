#include "server/originpolicy.h"

#include <QTest>

using namespace farmchat;

class tst_OriginPolicy : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void origin_data();
    void origin();
    void host_data();
    void host();
    void publicUrlOfALoadBalancer();
    void boundToEveryInterface();
};

void tst_OriginPolicy::origin_data()
{
    QTest::addColumn<QByteArray>("origin");
    QTest::addColumn<bool>("allowed");
    QTest::addRow("none (non-browser)") << QByteArray() << true;
    QTest::addRow("own 127.0.0.1") << QByteArray("http://127.0.0.1:9090") << true;
    QTest::addRow("own localhost") << QByteArray("http://localhost:9090") << true;
    QTest::addRow("own localhost, odd case") << QByteArray("http://LocalHost:9090") << true;
    QTest::addRow("own ::1") << QByteArray("http://[::1]:9090") << true;
    QTest::addRow("other farm node") << QByteArray("http://127.0.0.1:9091") << true;
    QTest::addRow("other port, not listed") << QByteArray("http://127.0.0.1:9092") << false;
    QTest::addRow("https own") << QByteArray("https://127.0.0.1:9090") << false;
    QTest::addRow("foreign site") << QByteArray("https://evil.example") << false;
    QTest::addRow("null (sandboxed page, file://)") << QByteArray("null") << false;
    QTest::addRow("garbage") << QByteArray("\xff\xfe") << false;
    QTest::addRow("prefix trick") << QByteArray("http://127.0.0.1:9090.evil.example") << false;
}

void tst_OriginPolicy::origin()
{
    QFETCH(QByteArray, origin);
    QFETCH(bool, allowed);
    const OriginPolicy policy(
        QHostAddress(QHostAddress::LocalHost), 9090, {QStringLiteral("http://127.0.0.1:9091")});
    QCOMPARE(policy.isOriginAllowed(origin), allowed);
}

void tst_OriginPolicy::host_data()
{
    QTest::addColumn<QByteArray>("host");
    QTest::addColumn<bool>("allowed");
    QTest::addRow("127.0.0.1") << QByteArray("127.0.0.1") << true;
    QTest::addRow("127.0.0.1:port") << QByteArray("127.0.0.1:9090") << true;
    QTest::addRow("localhost:port") << QByteArray("localhost:9090") << true;
    QTest::addRow("LOCALHOST") << QByteArray("LOCALHOST") << true;
    QTest::addRow("localhost.") << QByteArray("localhost.:9090") << true;
    QTest::addRow("[::1]:port") << QByteArray("[::1]:9090") << true;
    QTest::addRow("[0:0::1]") << QByteArray("[0:0::1]") << true;
    QTest::addRow("wrong port") << QByteArray("127.0.0.1:9091") << false;
    QTest::addRow("rebinding name") << QByteArray("attacker.example:9090") << false;
    QTest::addRow("lan ip") << QByteArray("192.168.1.2:9090") << false;
    QTest::addRow("empty") << QByteArray("") << false;
    QTest::addRow("port text") << QByteArray("127.0.0.1:x") << false;
    QTest::addRow("broken brackets") << QByteArray("[::1:9090") << false;
}

void tst_OriginPolicy::host()
{
    QFETCH(QByteArray, host);
    QFETCH(bool, allowed);
    const OriginPolicy policy(QHostAddress(QHostAddress::LocalHost), 9090, {});
    QCOMPARE(policy.isHostAllowed(host), allowed);
}

void tst_OriginPolicy::publicUrlOfALoadBalancer()
{
    // The balancer passes the client's Host and Origin, which name the balancer.
    const OriginPolicy policy(QHostAddress(QHostAddress::LocalHost), 9090, {},
        {QStringLiteral("http://127.0.0.1:8080"), QStringLiteral("http://localhost:8080")});
    QVERIFY(policy.isHostAllowed("127.0.0.1:8080"));
    QVERIFY(policy.isHostAllowed("localhost:8080"));
    QVERIFY(policy.isHostAllowed("127.0.0.1:9090"));
    QVERIFY(policy.isOriginAllowed("http://127.0.0.1:8080"));
    QVERIFY(policy.isOriginAllowed("http://localhost:8080"));
    QVERIFY(!policy.isHostAllowed("127.0.0.1:8081"));
    QVERIFY(!policy.isHostAllowed("attacker.example:8080"));
    QVERIFY(!policy.isOriginAllowed("http://127.0.0.1:8081"));
    const OriginPolicy named(
        QHostAddress(QHostAddress::LocalHost), 9090, {}, {QStringLiteral("http://chat.example")});
    QVERIFY(named.isHostAllowed("chat.example"));
    QVERIFY(named.isHostAllowed("chat.example:80"));
    QVERIFY(!named.isHostAllowed("chat.example:9090"));
}

void tst_OriginPolicy::boundToEveryInterface()
{
    const OriginPolicy any(QHostAddress(QHostAddress::AnyIPv4), 9090, {});
    QVERIFY(any.isHostAllowed("127.0.0.1:9090"));
    QVERIFY(!any.isHostAllowed("attacker.example:9090"));
    const OriginPolicy lan(QHostAddress(QStringLiteral("10.1.2.3")), 9090, {});
    QVERIFY(lan.isHostAllowed("10.1.2.3:9090"));
    QVERIFY(lan.isOriginAllowed("http://10.1.2.3:9090"));
    QVERIFY(!lan.isHostAllowed("10.1.2.4:9090"));
}

QTEST_GUILESS_MAIN(tst_OriginPolicy)
#include "tst_originpolicy.moc"
