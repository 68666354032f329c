// AppSettings: remembered values round-trip, a tampered settings file falls back to defaults.
#include "app/appsettings.h"

#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace farmchat;

class tst_AppSettings : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void defaults();
    void roundTrip();
    void untrusted_data();
    void untrusted();
    void paneNames();

private:
    QTemporaryDir m_dir;
    QString iniPath(const char *name) const { return m_dir.filePath(QLatin1String(name)); }
};

void tst_AppSettings::defaults()
{
    QSettings settings(iniPath("empty.ini"), QSettings::IniFormat);
    const AppSettings s = AppSettings::load(settings);
    QCOMPARE(s.nodes, 2);
    QCOMPARE(s.basePort, quint16(9090));
    QCOMPARE(s.backplane, BackplaneMode::Off);
    QCOMPARE(s.redisMaxMemoryBytes, qint64(256) * 1024 * 1024);
    QCOMPARE(s.loadBalancer, LbPolicy::None);
    QCOMPARE(s.skipNegotiation, false);
    QCOMPARE(s.redisTopology, RedisTopology::Single);
    QCOMPARE(s.paneName(0), QStringLiteral("user-1"));
}

void tst_AppSettings::roundTrip()
{
    AppSettings s;
    s.nodes = 5;
    s.basePort = 10000;
    s.backplane = BackplaneMode::Streams;
    s.redisMaxMemoryBytes = qint64(64) * 1024 * 1024;
    s.loadBalancer = LbPolicy::Sticky;
    s.skipNegotiation = true;
    s.redisTopology = RedisTopology::Sentinel;
    s.setPaneName(2, QStringLiteral("carol"));
    s.geometry = QByteArray("geo");
    s.windowState = QByteArray("state");
    {
        QSettings settings(iniPath("round.ini"), QSettings::IniFormat);
        s.save(settings);
    }
    QSettings settings(iniPath("round.ini"), QSettings::IniFormat);
    const AppSettings loaded = AppSettings::load(settings);
    QCOMPARE(loaded.nodes, 5);
    QCOMPARE(loaded.basePort, quint16(10000));
    QCOMPARE(loaded.backplane, BackplaneMode::Streams);
    QCOMPARE(loaded.redisMaxMemoryBytes, qint64(64) * 1024 * 1024);
    QCOMPARE(settings.value(QStringLiteral("redis/maxmemory")).toString(), QStringLiteral("64mb"));
    QCOMPARE(loaded.loadBalancer, LbPolicy::Sticky);
    QCOMPARE(
        settings.value(QStringLiteral("farm/loadBalancer")).toString(), QStringLiteral("sticky"));
    QCOMPARE(loaded.skipNegotiation, true);
    QCOMPARE(loaded.redisTopology, RedisTopology::Sentinel);
    QCOMPARE(
        settings.value(QStringLiteral("redis/topology")).toString(), QStringLiteral("sentinel"));
    QCOMPARE(loaded.paneName(2), QStringLiteral("carol"));
    QCOMPARE(loaded.paneName(0), QStringLiteral("user-1"));
    QCOMPARE(loaded.geometry, QByteArray("geo"));
    QCOMPARE(loaded.windowState, QByteArray("state"));
}

void tst_AppSettings::untrusted_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QVariant>("value");
    QTest::addRow("nodes 0") << "farm/nodes" << QVariant(0);
    QTest::addRow("nodes 99") << "farm/nodes" << QVariant(99);
    QTest::addRow("nodes text") << "farm/nodes" << QVariant(QStringLiteral("many"));
    QTest::addRow("port 22") << "farm/basePort" << QVariant(22);
    QTest::addRow("port 99999") << "farm/basePort" << QVariant(99999);
    QTest::addRow("mode junk") << "farm/backplane" << QVariant(QStringLiteral("carrier-pigeon"));
    QTest::addRow("balancer junk") << "farm/loadBalancer" << QVariant(QStringLiteral("nginx"));
    QTest::addRow("skip negotiation junk")
        << "farm/skipNegotiation" << QVariant(QStringLiteral("perhaps"));
    QTest::addRow("topology junk") << "redis/topology" << QVariant(QStringLiteral("ring"));
    QTest::addRow("maxmemory junk") << "redis/maxmemory" << QVariant(QStringLiteral("lots"));
    QTest::addRow("maxmemory tiny") << "redis/maxmemory" << QVariant(QStringLiteral("1kb"));
    QTest::addRow("name with newline")
        << "panes/names" << QVariant(QStringList {QStringLiteral("a\nb")});
}

void tst_AppSettings::untrusted()
{
    QFETCH(QString, key);
    QFETCH(QVariant, value);
    const QString path = m_dir.filePath(QStringLiteral("bad-%1.ini").arg(QTest::currentDataTag()));
    {
        QSettings settings(path, QSettings::IniFormat);
        settings.setValue(key, value);
    }
    QSettings settings(path, QSettings::IniFormat);
    const AppSettings s = AppSettings::load(settings);
    const AppSettings defaults;
    QCOMPARE(s.nodes, defaults.nodes);
    QCOMPARE(s.basePort, defaults.basePort);
    QCOMPARE(s.backplane, defaults.backplane);
    QCOMPARE(s.redisMaxMemoryBytes, defaults.redisMaxMemoryBytes);
    QCOMPARE(s.loadBalancer, defaults.loadBalancer);
    QCOMPARE(s.skipNegotiation, defaults.skipNegotiation);
    QCOMPARE(s.redisTopology, defaults.redisTopology);
    QCOMPARE(s.paneName(0), QStringLiteral("user-1"));
}

void tst_AppSettings::paneNames()
{
    AppSettings s;
    s.setPaneName(1, QStringLiteral("bob"));
    s.setPaneName(99, QStringLiteral("ignored"));
    QCOMPARE(s.paneNames.size(), 2);
    QCOMPARE(s.paneName(1), QStringLiteral("bob"));
    QCOMPARE(s.paneName(7), QStringLiteral("user-8"));
    QVERIFY(AppSettings::portsFit(65528, 8));
    QVERIFY(!AppSettings::portsFit(65530, 8));
}

QTEST_GUILESS_MAIN(tst_AppSettings)
#include "tst_appsettings.moc"
