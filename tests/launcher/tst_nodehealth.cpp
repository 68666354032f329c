#include "launcher/nodehealth.h"

#include <QTest>

using namespace farmchat;

class tst_NodeHealth : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void parses_data();
    void parses();
    void rejects_data();
    void rejects();
    void carriesAModeOnlyWithEveryRoomConfirmed();
};

void tst_NodeHealth::parses_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("mode");
    QTest::addColumn<bool>("redis");
    QTest::addColumn<int>("clients");
    QTest::addColumn<QString>("lastError");
    QTest::addRow("flat") << QByteArray(
        R"({"nodeId":"node-9090","port":9090,"backplane":"pubsub",)"
        R"("redisConnected":true,"lastBackplaneError":"","clients":3})")
                          << "pubsub" << true << 3 << "";
    QTest::addRow("nested backplane") << QByteArray(
        R"({"nodeId":"node-9090","port":9090,"backplane":{"mode":"streams","redisConnected":false,)"
        R"("lastError":"connection refused"},"clients":0})")
                                      << "streams" << false << 0 << "connection refused";
    QTest::addRow("off, minimal") << QByteArray(R"({"nodeId":"node-9090","backplane":"off"})")
                                  << "off" << false << 0 << "";
    QTest::addRow("null error") << QByteArray(
        R"({"nodeId":"n","backplane":"off","lastBackplaneError":null})")
                                << "off" << false << 0 << "";
    QTest::addRow("extra fields ignored") << QByteArray(
        R"({"nodeId":"n","backplane":"pubsub","redisConnected":true,"uptimeMs":5,"clients":1})")
                                          << "pubsub" << true << 1 << "";
}

void tst_NodeHealth::parses()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, mode);
    QFETCH(bool, redis);
    QFETCH(int, clients);
    QFETCH(QString, lastError);
    const auto health = NodeHealth::fromJson(body);
    QVERIFY2(health.ok(), qPrintable(health.error()));
    QVERIFY(health->reachable);
    QCOMPARE(modeName(health->backplane), mode);
    QCOMPARE(health->redisConnected, redis);
    QCOMPARE(health->clients, clients);
    QCOMPARE(health->lastBackplaneError, lastError);
    QVERIFY(health->sameAs(health.value()));
    QCOMPARE(health->toJson().value(u"backplane").toString(), mode);
}

void tst_NodeHealth::rejects_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addRow("not json") << QByteArray("<html>");
    QTest::addRow("array") << QByteArray("[]");
    QTest::addRow("no node id") << QByteArray(R"({"backplane":"off"})");
    QTest::addRow("no mode") << QByteArray(R"({"nodeId":"n"})");
    QTest::addRow("unknown mode") << QByteArray(R"({"nodeId":"n","backplane":"kafka"})");
    QTest::addRow("port out of range")
        << QByteArray(R"({"nodeId":"n","backplane":"off","port":70000})");
    QTest::addRow("redis not bool")
        << QByteArray(R"({"nodeId":"n","backplane":"off","redisConnected":"yes"})");
    QTest::addRow("clients negative")
        << QByteArray(R"({"nodeId":"n","backplane":"off","clients":-1})");
    QTest::addRow("clients string")
        << QByteArray(R"({"nodeId":"n","backplane":"off","clients":"3"})");
    QTest::addRow("rooms pending negative")
        << QByteArray(R"({"nodeId":"n","backplane":"pubsub","roomsPending":-2})");
    QTest::addRow("rooms pending string")
        << QByteArray(R"({"nodeId":"n","backplane":"pubsub","roomsPending":"1"})");
}

void tst_NodeHealth::rejects()
{
    QFETCH(QByteArray, body);
    const auto health = NodeHealth::fromJson(body);
    QVERIFY(!health.ok());
    QVERIFY(!health.error().isEmpty());
}

void tst_NodeHealth::carriesAModeOnlyWithEveryRoomConfirmed()
{
    const auto parse = [](const char *json) { return NodeHealth::fromJson(json).value(); };
    const NodeHealth pending
        = parse(R"({"nodeId":"n","backplane":"pubsub","redisConnected":true,"roomsPending":1})");
    QCOMPARE(pending.roomsPending, 1);
    QVERIFY(!pending.carries(BackplaneMode::PubSub));
    QCOMPARE(pending.toJson().value(u"roomsPending").toInt(), 1);
    const NodeHealth confirmed
        = parse(R"({"nodeId":"n","backplane":"pubsub","redisConnected":true,"roomsPending":0})");
    QVERIFY(confirmed.carries(BackplaneMode::PubSub));
    QVERIFY(!confirmed.carries(BackplaneMode::Streams));
    QVERIFY(!pending.sameAs(confirmed));
    // Nodes that do not report it (older ones, other kinds) count as confirmed.
    QVERIFY(parse(R"({"nodeId":"n","backplane":"streams","redisConnected":true})")
                .carries(BackplaneMode::Streams));
    QVERIFY(!parse(R"({"nodeId":"n","backplane":"streams","redisConnected":false})")
                 .carries(BackplaneMode::Streams));
    QVERIFY(parse(R"({"nodeId":"n","backplane":"off"})").carries(BackplaneMode::Off));
    QVERIFY(!NodeHealth().carries(BackplaneMode::Off)); // not reachable
}

QTEST_GUILESS_MAIN(tst_NodeHealth)
#include "tst_nodehealth.moc"
