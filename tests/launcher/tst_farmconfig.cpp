#include "launcher/farmconfig.h"

#include <QTest>

using namespace farmchat;

class tst_FarmConfig : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void validate_data();
    void validate();
    void requestedPorts();
};

void tst_FarmConfig::validate_data()
{
    QTest::addColumn<int>("nodes");
    QTest::addColumn<int>("basePort");
    QTest::addColumn<QList<quint16>>("ports");
    QTest::addColumn<QString>("redisServer");
    QTest::addColumn<QString>("redisUrl");
    QTest::addColumn<QString>("error"); // a word the error must contain; empty: valid
    const QList<quint16> none;
    QTest::addRow("defaults") << 2 << 9090 << none << ""
                              << ""
                              << "";
    QTest::addRow("one node") << 1 << 9090 << none << ""
                              << ""
                              << "";
    QTest::addRow("sixteen") << 16 << 0 << none << ""
                             << ""
                             << "";
    QTest::addRow("zero nodes") << 0 << 9090 << none << ""
                                << ""
                                << "nodes";
    QTest::addRow("seventeen") << 17 << 9090 << none << ""
                               << ""
                               << "nodes";
    QTest::addRow("base too high") << 3 << 65534 << none << ""
                                   << ""
                                   << "room";
    QTest::addRow("ports match") << 2 << 9090 << QList<quint16> {9100, 9200} << ""
                                 << ""
                                 << "";
    QTest::addRow("ports count") << 3 << 9090 << QList<quint16> {9100, 9200} << ""
                                 << ""
                                 << "ports";
    QTest::addRow("ports twice") << 2 << 9090 << QList<quint16> {9100, 9100} << ""
                                 << ""
                                 << "twice";
    QTest::addRow("port zero in list") << 2 << 9090 << QList<quint16> {9100, 0} << ""
                                       << ""
                                       << "port 0";
    QTest::addRow("both redis") << 2 << 9090 << none << "/usr/bin/redis-server"
                                << "redis://127.0.0.1:6379/0"
                                << "not both";
}

void tst_FarmConfig::validate()
{
    QFETCH(int, nodes);
    QFETCH(int, basePort);
    QFETCH(QList<quint16>, ports);
    QFETCH(QString, redisServer);
    QFETCH(QString, redisUrl);
    QFETCH(QString, error);
    FarmConfig config;
    config.nodes = nodes;
    config.basePort = quint16(basePort);
    config.ports = ports;
    config.redisServer = redisServer;
    config.redisUrl = redisUrl;
    const Result<void> result = config.validate();
    if (error.isEmpty())
        QVERIFY2(result.ok(), qPrintable(result.error()));
    else
        QVERIFY2(!result.ok() && result.error().contains(error), qPrintable(result.error()));
}

void tst_FarmConfig::requestedPorts()
{
    FarmConfig config;
    config.nodes = 3;
    QCOMPARE(config.requestedPorts(), (QList<quint16> {9090, 9091, 9092}));
    config.basePort = 0;
    QVERIFY(config.requestedPorts().isEmpty()); // picked at start
    config.ports = {7000, 7005, 7001};
    QCOMPARE(config.requestedPorts(), (QList<quint16> {7000, 7005, 7001}));
}

QTEST_GUILESS_MAIN(tst_FarmConfig)
#include "tst_farmconfig.moc"
