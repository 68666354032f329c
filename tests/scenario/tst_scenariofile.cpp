// Scenario files (docs/SCENARIOS.md) read and checked whole before anything
// starts: every bundled scenario is valid, and each kind of malformed file is
// refused with an error that names the file and the field (or line).

#include "launcher/launchercommandline.h"
#include "launcher/scenario.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

using namespace farmchat;

namespace {

// A valid scenario with `patch` applied to its JSON text.
QByteArray scenarioWith(const QByteArray &farm, const QByteArray &steps,
    const QByteArray &expect = R"([{"lostUncounted": 0}])",
    const QByteArray &clients
    = R"([{"name": "a", "node": 0, "rooms": ["dev"]}, {"name": "b", "node": 1}])")
{
    return R"({"farmchat-scenario": 1, "name": "t", "farm": )" + farm + R"(, "clients": )" + clients
        + R"(, "steps": )" + steps + R"(, "expect": )" + expect + "}";
}

const QByteArray kFarm = R"({"nodes": 2, "backplane": "pubsub"})";
const QByteArray kSteps = R"([{"send": {"from": "a", "count": 2}}])";

} // namespace

class tst_ScenarioFile : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void bundledScenariosAreValid();
    void validFile();
    void refused_data();
    void refused();
    void launcherOptions();
};

void tst_ScenarioFile::bundledScenariosAreValid()
{
    const QDir dir(qEnvironmentVariable("FARMCHAT_SCENARIO_DIR"));
    const QStringList files = dir.entryList({QStringLiteral("*.json")}, QDir::Files);
    QVERIFY2(files.size() >= 7, qPrintable(dir.path()));
    for (const QString &file : files) {
        const auto scenario = Scenario::load(dir.filePath(file));
        QVERIFY2(scenario, qPrintable(scenario ? QString() : scenario.error()));
        QVERIFY(!scenario->expectations.isEmpty());
        QVERIFY(!scenario->description.isEmpty());
    }
}

void tst_ScenarioFile::validFile()
{
    const auto s = Scenario::parse(
        scenarioWith(kFarm,
            R"([{"phase": "p1"}, {"send": {"from": "*", "count": 3, "rate": 20}},
            {"op": "kill-redis"}, {"wait": {"until": "settled", "ms": 5000}}, {"wait": 100},
            {"op": "set-backplane", "mode": "streams"}])",
            R"([{"phase": "p1", "mode": "pubsub", "lostCounted": {"min": 1, "max": 6}, "promiseKept": true}])"),
        QStringLiteral("t.json"));
    QVERIFY2(s, qPrintable(s ? QString() : s.error()));
    QCOMPARE(s->farm.nodes, 2);
    QCOMPARE(s->farm.backplane, BackplaneMode::PubSub);
    QCOMPARE(s->farm.basePort, quint16(0)); // free ports
    QCOMPARE(s->clients.size(), 2);
    QCOMPARE(s->clients[0].rooms, (QStringList {"lobby", "dev"}));
    QCOMPARE(s->steps.size(), 6);
    QCOMPARE(s->steps[1].from, (QStringList {"a", "b"}));
    QCOMPARE(s->steps[1].rate, 20.0);
    QCOMPARE(s->steps[2].kind, ScenarioStep::Kind::Control);
    QCOMPARE(s->steps[3].until, ScenarioStep::Until::Settled);
    QCOMPARE(s->expectations.size(), 2);
    QCOMPARE(
        s->expectations[0].describe(), QStringLiteral("phase 'p1', pubsub: lostCounted in 1…6"));
    QCOMPARE(
        s->expectations[1].describe(), QStringLiteral("phase 'p1', pubsub: promiseKept is true"));
}

void tst_ScenarioFile::refused_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("named"); // must appear in the error
    QTest::addRow("bad json") << QByteArray("{\n  \"name\": \"x\",\n  oops\n}")
                              << "t.json: line 3, column";
    QTest::addRow("not an object") << QByteArray("[1]") << "the file: must be an object";
    QTest::addRow("schema version")
        << QByteArray(R"({"farmchat-scenario": 2, "name": "x"})") << "farmchat-scenario: must be 1";
    QTest::addRow("unknown top field")
        << QByteArray(R"({"farmchat-scenario": 1, "name": "x", "stpes": []})")
        << "unknown field 'stpes'";
    QTest::addRow("unknown farm setting")
        << scenarioWith(R"({"nodez": 2})", kSteps) << "farm.nodez";
    QTest::addRow("farm value") << scenarioWith(R"({"nodes": 99})", kSteps) << "farm: --nodes";
    QTest::addRow("farm type") << scenarioWith(R"({"nodes": [2]})", kSteps) << "farm.nodes";
    QTest::addRow("unknown step") << scenarioWith(kFarm, R"([{"jump": 1}])")
                                  << "steps[0]: unknown step 'jump'";
    QTest::addRow("two verbs") << scenarioWith(kFarm, R"([{"wait": 1, "phase": "x"}])")
                               << "steps[0]: takes one of";
    QTest::addRow("count type") << scenarioWith(kFarm, R"([{"send": {"from": "a", "count": "3"}}])")
                                << "steps[0].send.count: must be a number";
    QTest::addRow("count zero") << scenarioWith(kFarm, R"([{"send": {"from": "a", "count": 0}}])")
                                << "steps[0].send.count: is 0";
    QTest::addRow("rate") << scenarioWith(kFarm, R"([{"send": {"from": "a", "rate": 0}}])")
                          << "steps[0].send.rate";
    QTest::addRow("too many messages")
        << scenarioWith(kFarm, R"([{"send": {"from": "*", "count": 15000}}])")
        << "over the limit of 20000";
    QTest::addRow("unknown sender") << scenarioWith(kFarm, R"([{"send": {"from": "zed"}}])")
                                    << "steps[0].send.from: no client is named 'zed'";
    QTest::addRow("room not joined")
        << scenarioWith(kFarm, R"([{"send": {"from": "b", "room": "dev"}}])")
        << "client 'b' is not in room 'dev'";
    QTest::addRow("wait until") << scenarioWith(kFarm, R"([{"wait": {"until": "later"}}])")
                                << "steps[0].wait.until";
    QTest::addRow("wait too long")
        << scenarioWith(kFarm, R"([{"wait": 9999999}])") << "steps[0].wait: is 9999999";
    QTest::addRow("unknown op") << scenarioWith(kFarm, R"([{"op": "explode"}])") << "steps[0]: ";
    QTest::addRow("op stop") << scenarioWith(kFarm, R"([{"op": "stop"}])")
                             << "steps[0].op: 'stop' is not a step";
    QTest::addRow("op node range")
        << scenarioWith(kFarm, R"([{"op": "kill-node", "node": 5}])") << "steps[0]: ";
    QTest::addRow("shard without cluster")
        << scenarioWith(kFarm, R"([{"op": "kill-shard", "shard": 0}])") << "steps[0]: ";
    QTest::addRow("partition without link faults")
        << scenarioWith(kFarm, R"([{"op": "cut-off-node", "node": 1}])") << "steps[0]: ";
    QTest::addRow("client node range")
        << scenarioWith(kFarm, kSteps, R"([{"lostUncounted": 0}])", R"([{"name": "a", "node": 2}])")
        << "clients[0].node: is 2";
    QTest::addRow("balancer without lb") << scenarioWith(
        kFarm, kSteps, R"([{"lostUncounted": 0}])", R"([{"name": "a", "via": "balancer"}])")
                                         << "clients[0].via: needs a load balancer";
    QTest::addRow("duplicate client") << scenarioWith(kFarm, kSteps, R"([{"lostUncounted": 0}])",
        R"([{"name": "a", "node": 0}, {"name": "a", "node": 1}])")
                                      << "clients[1].name: 'a' is taken";
    QTest::addRow("unknown measure")
        << scenarioWith(kFarm, kSteps, R"([{"lost": 0}])") << "unknown measure 'lost'";
    QTest::addRow("unknown phase")
        << scenarioWith(kFarm, kSteps, R"([{"phase": "later", "lostUncounted": 0}])")
        << "no step starts phase 'later'";
    QTest::addRow("bad mode") << scenarioWith(
        kFarm, kSteps, R"([{"mode": "carrier-pigeon", "late": 0}])")
                              << "expect[0].mode";
    QTest::addRow("min above max")
        << scenarioWith(kFarm, kSteps, R"([{"late": {"min": 5, "max": 1}}])") << "min is above max";
    QTest::addRow("boolean measure") << scenarioWith(kFarm, kSteps, R"([{"promiseKept": 1}])")
                                     << "expect[0].promiseKept: takes true or false";
    QTest::addRow("negative bound")
        << scenarioWith(kFarm, kSteps, R"([{"late": {"max": -1}}])") << "expect[0].late.max: is -1";
    QTest::addRow("nothing checked")
        << scenarioWith(kFarm, kSteps, R"([{"phase": "start"}])") << "checks nothing";
}

void tst_ScenarioFile::refused()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, named);
    const auto s = Scenario::parse(json, QStringLiteral("t.json"));
    QVERIFY(!s);
    QVERIFY2(s.error().startsWith(u"t.json: "), qPrintable(s.error()));
    QVERIFY2(s.error().contains(named), qPrintable(s.error()));
}

void tst_ScenarioFile::launcherOptions()
{
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("s.json"));
    QFile out(file);
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(scenarioWith(R"({"nodes": 3, "backplane": "streams"})", kSteps));
    out.close();
    const auto parsed
        = parseLauncherCommandLine({"--scenario", file, "--report", "r.html", "--json"});
    QVERIFY2(parsed, qPrintable(parsed ? QString() : parsed.error()));
    QVERIFY(parsed->options->scenario);
    QCOMPARE(parsed->options->farm.nodes, 3);
    QCOMPARE(parsed->options->farm.backplane, BackplaneMode::Streams);
    QCOMPARE(parsed->options->reportPath, QStringLiteral("r.html"));
    // The file is the farm: farm flags beside it are refused, not merged.
    const auto mixed = parseLauncherCommandLine({"--scenario", file, "--nodes", "4"});
    QVERIFY(!mixed);
    QVERIFY2(
        mixed.error().contains(u"--nodes does not go with --scenario"), qPrintable(mixed.error()));
    const auto missing = parseLauncherCommandLine({"--scenario", dir.filePath("none.json")});
    QVERIFY(!missing);
    QVERIFY2(missing.error().contains(u"none.json: cannot read"), qPrintable(missing.error()));
    const auto reportAlone = parseLauncherCommandLine({"--report", "r.html"});
    QVERIFY(!reportAlone);
    QVERIFY(reportAlone.error().contains(u"--report needs --scenario"));
}

QTEST_GUILESS_MAIN(tst_ScenarioFile)
#include "tst_scenariofile.moc"
