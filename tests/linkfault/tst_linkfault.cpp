#include "linkfault/linkfault.h"

#include <QJsonDocument>
#include <QTest>

using namespace farmchat;

Q_DECLARE_METATYPE(farmchat::LinkFault)

namespace {

QJsonObject parse(const char *json)
{
    return QJsonDocument::fromJson(QByteArray(json)).object();
}

} // namespace

class tst_LinkFault : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void goodObjects_data();
    void goodObjects();
    void refused_data();
    void refused();
    void roundTrip_data();
    void roundTrip();
    void summary();
};

void tst_LinkFault::goodObjects_data()
{
    QTest::addColumn<QString>("json");
    QTest::addColumn<int>("upLatency");
    QTest::addColumn<int>("upJitter");
    QTest::addColumn<qint64>("upRate");
    QTest::addColumn<int>("downLatency");
    QTest::addColumn<qint64>("downRate");
    QTest::addColumn<bool>("partitioned");
    QTest::addColumn<bool>("refuseNew");
    QTest::addRow("empty: healthy")
        << "{}" << 0 << 0 << qint64(0) << 0 << qint64(0) << false << false;
    QTest::addRow("both directions")
        << R"({"latencyMs": 50, "jitterMs": 10, "bandwidthKiBps": 64})" << 50 << 10 << qint64(65536)
        << 50 << qint64(65536) << false << false;
    QTest::addRow("per direction")
        << R"({"up": {"latencyMs": 20}, "down": {"bandwidthKiBps": 0.5}})" << 20 << 0 << qint64(0)
        << 0 << qint64(512) << false << false;
    QTest::addRow("direction overrides both")
        << R"({"latencyMs": 100, "jitterMs": 5, "up": {"latencyMs": 10}})" << 10 << 5 << qint64(0)
        << 100 << qint64(0) << false << false;
    QTest::addRow("flags") << R"({"partitioned": true, "refuseNew": true})" << 0 << 0 << qint64(0)
                           << 0 << qint64(0) << true << true;
    QTest::addRow("limits")
        << R"({"latencyMs": 60000, "jitterMs": 60000, "bandwidthKiBps": 1048576})" << 60000 << 60000
        << qint64(1073741824) << 60000 << qint64(1073741824) << false << false;
}

void tst_LinkFault::goodObjects()
{
    QFETCH(QString, json);
    const Result<LinkFault> fault = LinkFault::fromJson(parse(json.toUtf8().constData()));
    QVERIFY2(fault.ok(), qPrintable(fault.error()));
    QTEST(fault->up.latencyMs, "upLatency");
    QTEST(fault->up.jitterMs, "upJitter");
    QTEST(fault->up.bytesPerSecond, "upRate");
    QTEST(fault->down.latencyMs, "downLatency");
    QTEST(fault->down.bytesPerSecond, "downRate");
    QTEST(fault->partitioned, "partitioned");
    QTEST(fault->refuseNew, "refuseNew");
}

void tst_LinkFault::refused_data()
{
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("named"); // what the error must name
    QTest::addRow("unknown field") << R"({"latency": 5})"
                                   << "unknown field latency";
    QTest::addRow("unknown field in a direction") << R"({"up": {"lossPercent": 5}})"
                                                  << "unknown field up.lossPercent";
    QTest::addRow("latency a string") << R"({"latencyMs": "50"})"
                                      << "latencyMs must be a number";
    QTest::addRow("latency not whole") << R"({"latencyMs": 1.5})"
                                       << "latencyMs must be a whole";
    QTest::addRow("jitter negative") << R"({"jitterMs": -1})"
                                     << "jitterMs must be between 0";
    QTest::addRow("latency too long") << R"({"down": {"latencyMs": 60001}})"
                                      << "down.latencyMs must be between 0 and 60000";
    QTest::addRow("bandwidth too high") << R"({"bandwidthKiBps": 1048577})"
                                        << "bandwidthKiBps must be between 0 and 1048576";
    QTest::addRow("bandwidth a bool") << R"({"up": {"bandwidthKiBps": true}})"
                                      << "up.bandwidthKiBps must be a number";
    QTest::addRow("jitter over latency") << R"({"latencyMs": 10, "jitterMs": 20})"
                                         << "jitterMs (20) must not exceed latencyMs (10)";
    QTest::addRow("jitter over latency, one way")
        << R"({"latencyMs": 10, "down": {"jitterMs": 20}})"
        << "down.jitterMs (20) must not exceed down.latencyMs (10)";
    QTest::addRow("direction not an object") << R"({"up": 5})"
                                             << "up must be an object";
    QTest::addRow("partitioned a number") << R"({"partitioned": 1})"
                                          << "partitioned must be true or false";
    QTest::addRow("refuseNew a string") << R"({"refuseNew": "yes"})"
                                        << "refuseNew must be true or false";
}

void tst_LinkFault::refused()
{
    QFETCH(QString, json);
    QFETCH(QString, named);
    const Result<LinkFault> fault = LinkFault::fromJson(parse(json.toUtf8().constData()));
    QVERIFY(!fault.ok());
    QVERIFY2(fault.error().contains(named), qPrintable(fault.error()));
}

void tst_LinkFault::roundTrip_data()
{
    QTest::addColumn<LinkFault>("fault");
    QTest::addRow("healthy") << LinkFault {};
    QTest::addRow("symmetric") << LinkFault {{50, 10, 65536}, {50, 10, 65536}, false, false};
    QTest::addRow("asymmetric, odd rate") << LinkFault {{0, 0, 1000}, {300, 0, 0}, true, false};
    QTest::addRow("refusing") << LinkFault {{}, {}, false, true};
}

void tst_LinkFault::roundTrip()
{
    QFETCH(LinkFault, fault);
    const Result<LinkFault> back = LinkFault::fromJson(fault.toJson());
    QVERIFY2(back.ok(), qPrintable(back.error()));
    QVERIFY(back.value() == fault);
}

void tst_LinkFault::summary()
{
    QCOMPARE(LinkFault {}.summary(), QString());
    QVERIFY(LinkFault {}.isHealthy());
    const LinkFault symmetric {{50, 10, 65536}, {50, 10, 65536}, true, false};
    QCOMPARE(symmetric.summary(), QStringLiteral("50±10 ms · 64 KiB/s · partitioned"));
    const LinkFault oneWay {{100, 0, 0}, {}, false, true};
    QCOMPARE(oneWay.summary(), QStringLiteral("up 100 ms · refusing new"));
    QVERIFY(!oneWay.isHealthy());
}

QTEST_GUILESS_MAIN(tst_LinkFault)
#include "tst_linkfault.moc"
