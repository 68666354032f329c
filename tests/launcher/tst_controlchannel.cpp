#include "launcher/controlchannel_p.h"
#include "launcher/controlcommand_p.h"
#include "platform/stdinlines.h"
#include "tests/support/processinfo.h"
#include "tests/support/testhttp.h"
#include "tests/support/testlauncher.h"
#include "tests/support/timefactor.h"
#include "tests/support/verifyresult.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>

using namespace farmchat;
using namespace farmchat::test;

namespace {

ControlFarmView twoNodes()
{
    ControlFarmView view;
    view.state = FarmState::Running;
    view.nodePorts = {9090, 9091};
    view.ownRedis = true;
    return view;
}

ControlRequest parse(const QByteArray &line, const ControlFarmView &view = twoNodes())
{
    return parseControlLine(line, ControlChannel::opSpecs(), view);
}

QString opName(const ControlCommand &command)
{
    return ControlChannel::opSpecs().at(command.op).name;
}

int countReplies(const TestLauncher &run)
{
    int replies = 0;
    for (const QJsonObject &event : run.events())
        replies += event.value(u"event").toString() == u"reply" ? 1 : 0;
    return replies;
}

// GET /health of a node: its backplane mode ("backplane" is a string or {"mode": …}).
QString healthMode(quint16 port)
{
    const HttpReply reply
        = httpRequest("GET", QUrl(QStringLiteral("http://127.0.0.1:%1/health").arg(port)));
    const QJsonValue backplane = QJsonDocument::fromJson(reply.body).object().value(u"backplane");
    return backplane.isObject() ? backplane.toObject().value(u"mode").toString()
                                : backplane.toString();
}

} // namespace

// farmchat-launcher --control stdin: the parser on its own, the stdin line
// splitting, and a real launcher driven through its stdin.
class tst_ControlChannel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void refusesBadLines_data();
    void refusesBadLines();
    void readsGoodLines();
    void refusesWhatTheFarmCannotDo();
    void readsLinkCommands();
    void readsShardCommands();
    void splitsLinesAndSkipsHugeOnes();
    void drivesALiveFarm();
    void endOfInputKeepsTheFarmRunning();
    void partitionsALinkOfALiveFarm();
    void partitionedBalancerLinkTakesTheNodeOut();
};

void tst_ControlChannel::refusesBadLines_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QJsonValue>("id");
    QTest::addColumn<QString>("error");
    const QJsonValue none = QJsonValue::Null;
    QTest::addRow("bad JSON") << QByteArray(R"({"op": )") << none << "not JSON: ";
    QTest::addRow("not an object") << QByteArray("[1, 2]") << none << "not a JSON object";
    QTest::addRow("no op") << QByteArray(R"({"id": 1})") << QJsonValue(1) << "missing field 'op'";
    QTest::addRow("op not a string") << QByteArray(R"({"id": "a", "op": 3})") << QJsonValue("a")
                                     << "field 'op' must be a string";
    QTest::addRow("unknown op") << QByteArray(R"({"id": [1], "op": "explode"})")
                                << QJsonValue(QJsonArray {1})
                                << "unknown op 'explode' (ops: status";
    QTest::addRow("unknown field") << QByteArray(R"({"op": "status", "node": 1})") << none
                                   << "unknown field 'node' for status";
    QTest::addRow("no node") << QByteArray(R"({"op": "kill-node"})") << none
                             << "missing field 'node' (0-based index) or 'port'";
    QTest::addRow("node and port") << QByteArray(R"({"op": "kill-node", "node": 0, "port": 9090})")
                                   << none << "give 'node' or 'port', not both";
    QTest::addRow("node a string") << QByteArray(R"({"op": "kill-node", "node": "1"})") << none
                                   << "field 'node' must be an integer";
    QTest::addRow("node a fraction") << QByteArray(R"({"op": "stop-node", "node": 1.5})") << none
                                     << "field 'node' must be an integer";
    QTest::addRow("node past any integer") << QByteArray(R"({"op": "kill-node", "node": 9e90})")
                                           << none << "field 'node' must be an integer";
    QTest::addRow("port past any integer") << QByteArray(R"({"op": "kill-node", "port": -9e90})")
                                           << none << "field 'port' must be an integer";
    QTest::addRow("node out of range") << QByteArray(R"({"op": "kill-node", "node": 7})") << none
                                       << "node 7 out of range (farm has 2 nodes)";
    QTest::addRow("negative node") << QByteArray(R"({"op": "pause-node", "node": -1})") << none
                                   << "node -1 out of range (farm has 2 nodes)";
    QTest::addRow("no such port") << QByteArray(R"({"op": "restart-node", "port": 1234})") << none
                                  << "no node on port 1234 (nodes: 9090, 9091)";
    QTest::addRow("no mode") << QByteArray(R"({"op": "set-backplane"})") << none
                             << "missing field 'mode'";
    QTest::addRow("mode a number") << QByteArray(R"({"op": "set-backplane", "mode": 1})") << none
                                   << "field 'mode' must be a string";
    QTest::addRow("unknown mode") << QByteArray(R"({"op": "set-backplane", "mode": "fast"})")
                                  << none << "field 'mode': unknown backplane mode 'fast'";
    QTest::addRow("no balancer") << QByteArray(
        R"({"op": "set-lb-admin", "node": 0, "admin": "off"})")
                                 << none << "cannot set-lb-admin: the farm has no load balancer";
}

void tst_ControlChannel::refusesBadLines()
{
    QFETCH(QByteArray, line);
    QFETCH(QJsonValue, id);
    QFETCH(QString, error);
    const ControlRequest request = parse(line);
    QVERIFY(!request.command);
    QVERIFY2(request.command.error().startsWith(error), qPrintable(request.command.error()));
    QCOMPARE(request.id, id);
}

void tst_ControlChannel::readsGoodLines()
{
    const ControlRequest byPort = parse(R"({"id": {"n": 1}, "op": "kill-node", "port": 9091})");
    FARMCHAT_VERIFY_OK(byPort.command);
    QCOMPARE(opName(byPort.command.value()), QStringLiteral("kill-node"));
    QCOMPARE(byPort.command->node, 1);
    QCOMPARE(byPort.id, QJsonValue(QJsonObject {{"n", 1}}));

    const ControlRequest mode = parse(R"({"op": "set-backplane", "mode": "streams"})");
    FARMCHAT_VERIFY_OK(mode.command);
    QCOMPARE(mode.command->mode, BackplaneMode::Streams);
    QCOMPARE(mode.id, QJsonValue(QJsonValue::Null));

    ControlFarmView balanced = twoNodes();
    balanced.balancer = true;
    const ControlRequest drain
        = parse(R"({"op": "set-lb-admin", "node": 0, "admin": "drain"})", balanced);
    FARMCHAT_VERIFY_OK(drain.command);
    QCOMPARE(drain.command->admin, LbServerAdmin::Drain);
    const ControlRequest bad
        = parse(R"({"op": "set-lb-admin", "node": 0, "admin": "off"})", balanced);
    QCOMPARE(bad.command.error(),
        QStringLiteral("field 'admin' must be drain, maint or ready, not 'off'"));

    const ControlRequest nodeMode
        = parse(R"({"op": "set-node-backplane", "port": 9091, "mode": "off"})");
    FARMCHAT_VERIFY_OK(nodeMode.command);
    QCOMPARE(nodeMode.command->node, 1);
    FARMCHAT_VERIFY_OK(parse(R"({"op": "add-node"})").command);
    QVERIFY(parse(R"({"op": "remove-node"})").command.error().contains(u"missing field 'node'"));
    // A real partition of the node's Redis link: only with link proxies.
    QVERIFY(!parse(R"({"op": "cut-off-node", "node": 1})").command);

    // Every op in the table has a name the parser finds.
    for (const ControlOpSpec &spec : ControlChannel::opSpecs()) {
        const QByteArray line = QJsonDocument(
            QJsonObject {{"op", spec.name}, {"node", 0}, {"mode", "off"},
                {"admin", "ready"}}).toJson(QJsonDocument::Compact);
        const ControlRequest request = parse(line);
        QVERIFY2(!request.command || opName(request.command.value()) == spec.name,
            qPrintable(spec.name));
    }
}

void tst_ControlChannel::refusesWhatTheFarmCannotDo()
{
    ControlFarmView starting = twoNodes();
    starting.state = FarmState::Starting;
    QCOMPARE(parse(R"({"op": "kill-node", "node": 0})", starting).command.error(),
        QStringLiteral("cannot kill-node: the farm is starting"));
    FARMCHAT_VERIFY_OK(parse(R"({"op": "status"})", starting).command);
    FARMCHAT_VERIFY_OK(parse(R"({"op": "stop"})", starting).command);

    ControlFarmView external = twoNodes();
    external.ownRedis = false;
    QCOMPARE(parse(R"({"op": "kill-redis"})", external).command.error(),
        QStringLiteral("cannot kill-redis: the farm uses an external Redis (--redis-url)"));
}

void tst_ControlChannel::readsLinkCommands()
{
    QCOMPARE(parse(R"({"op": "heal-link", "node": 0})").command.error(),
        QStringLiteral("cannot heal-link: the farm runs without link proxies (start it with "
                       "--link-faults)"));
    ControlFarmView linked = twoNodes();
    linked.linkFaults = true;
    const ControlRequest slow
        = parse(R"({"op": "set-link-fault", "node": 1, "fault": {"latencyMs": 50, "jitterMs": 5}})",
            linked);
    FARMCHAT_VERIFY_OK(slow.command);
    QCOMPARE(slow.command->link, NodeLink::Redis); // the default
    QCOMPARE(slow.command->fault.up.latencyMs, 50);
    QCOMPARE(slow.command->fault.down.jitterMs, 5);
    const ControlRequest cut = parse(
        R"({"op": "set-link-fault", "port": 9090, "link": "balancer", "fault": {"partitioned": true}})",
        linked);
    FARMCHAT_VERIFY_OK(cut.command);
    QCOMPARE(cut.command->link, NodeLink::Balancer);
    QVERIFY(cut.command->fault.partitioned);

    QCOMPARE(parse(R"({"op": "set-link-fault", "node": 0})", linked).command.error(),
        QStringLiteral("missing field 'fault' (e.g. {\"latencyMs\": 50})"));
    QCOMPARE(parse(R"({"op": "set-link-fault", "node": 0, "fault": 5})", linked).command.error(),
        QStringLiteral("field 'fault' must be an object"));
    QCOMPARE(parse(R"({"op": "reset-link", "node": 0, "link": "wire"})", linked).command.error(),
        QStringLiteral("field 'link' must be redis or balancer, not 'wire'"));
    const QString badLatency
        = parse(R"({"op": "set-link-fault", "node": 0, "fault": {"latencyMs": -3}})", linked)
              .command.error();
    QVERIFY2(badLatency.startsWith(u"field 'fault': ") && badLatency.contains(u"latencyMs"),
        qPrintable(badLatency));
    QVERIFY(!parse(R"({"op": "heal-link", "node": 0, "fault": {}})", linked).command);
}

void tst_ControlChannel::readsShardCommands()
{
    QCOMPARE(parse(R"({"op": "kill-shard", "shard": 0})").command.error(),
        QStringLiteral("cannot kill-shard: the farm's Redis is not a cluster (start it with "
                       "--redis-topology cluster)"));
    ControlFarmView cluster = twoNodes();
    cluster.shards = 3;
    const ControlRequest kill = parse(R"({"op": "kill-shard", "shard": 2})", cluster);
    FARMCHAT_VERIFY_OK(kill.command);
    QCOMPARE(kill.command->shard, 2);
    QVERIFY(!kill.command->replica);
    QCOMPARE(parse(R"({"op": "pause-shard", "shard": 3})", cluster).command.error(),
        QStringLiteral("shard 3 out of range (the cluster has 3)"));
    QCOMPARE(parse(R"({"op": "stop-shard", "shard": 1.5})", cluster).command.error(),
        QStringLiteral("field 'shard' must be an integer (0-based)"));
    QCOMPARE(parse(R"({"op": "restart-shard"})", cluster).command.error(),
        QStringLiteral("missing field 'shard' (0-based shard index)"));
    QCOMPARE(parse(R"({"op": "kill-shard", "shard": 0, "replica": true})", cluster).command.error(),
        QStringLiteral("the shards have no replica (start with --redis-replicas 1)"));
    cluster.shardReplicas = true;
    const ControlRequest replica
        = parse(R"({"op": "resume-shard", "shard": 0, "replica": true})", cluster);
    FARMCHAT_VERIFY_OK(replica.command);
    QVERIFY(replica.command->replica);
    QCOMPARE(parse(R"({"op": "kill-shard", "shard": 0, "replica": 1})", cluster).command.error(),
        QStringLiteral("field 'replica' must be true or false"));
    QVERIFY(!parse(R"({"op": "kill-shard", "shard": 0, "node": 1})", cluster).command);
}

void tst_ControlChannel::splitsLinesAndSkipsHugeOnes()
{
    StdinLines lines;
    QSignalSpy read(&lines, &StdinLines::lineRead);
    QSignalSpy tooLong(&lines, &StdinLines::lineTooLong);
    QSignalSpy ended(&lines, &StdinLines::endOfInput);
    const QByteArray huge(StdinLines::kMaxLineBytes + 10, 'x');
    lines.feed("{\"op\": \"sta");
    lines.feed("tus\"}\r\n" + huge.left(40000));
    lines.feed(huge.mid(40000) + "\n{\"op\": \"stop\"}\n");
    lines.feed(QByteArray(StdinLines::kMaxLineBytes, 'y') + "\nlast");
    QCOMPARE(tooLong.size(), 1);
    QCOMPARE(tooLong.at(0).at(0).toLongLong(), qint64(huge.size()));
    lines.finish();
    QCOMPARE(read.size(), 4);
    QCOMPARE(read.at(0).at(0).toByteArray(), QByteArray("{\"op\": \"status\"}"));
    QCOMPARE(read.at(1).at(0).toByteArray(), QByteArray("{\"op\": \"stop\"}"));
    QCOMPARE(read.at(2).at(0).toByteArray().size(), StdinLines::kMaxLineBytes); // at the limit
    QCOMPARE(read.at(3).at(0).toByteArray(), QByteArray("last")); // no newline at the end
    QCOMPARE(ended.size(), 1);
    lines.feed("more\n");
    lines.finish();
    QCOMPARE(read.size(), 4);
    QCOMPARE(ended.size(), 1);
}

void tst_ControlChannel::drivesALiveFarm()
{
    TestLauncher run({"--nodes", "2", "--base-port", "auto", "--json", "--control", "stdin"},
        TestLauncher::environmentWithoutRedisPassword());
    FARMCHAT_VERIFY_OK(run.start());

    // Written at once: it waits for the farm to be running.
    QJsonObject reply = run.command({{"id", 1}, {"op", "status"}});
    QVERIFY2(reply.value(u"ok").toBool(), run.out().constData());
    QCOMPARE(reply.value(u"state").toString(), QStringLiteral("running"));
    QVERIFY(!run.waitForEvent(QStringLiteral("ready"), 0).isEmpty());
    const QJsonArray nodes = reply.value(u"nodes").toArray();
    QCOMPARE(nodes.size(), 2);
    const quint16 port0 = quint16(nodes[0].toObject().value(u"port").toInt());
    const quint16 port1 = quint16(nodes[1].toObject().value(u"port").toInt());
    const qint64 pid0 = nodes[0].toObject().value(u"pid").toInteger();
    const qint64 pid1 = nodes[1].toObject().value(u"pid").toInteger();
    const qint64 redisPid = reply.value(u"redis").toObject().value(u"pid").toInteger();
    QCOMPARE(nodes[1].toObject().value(u"state").toString(), QStringLiteral("healthy"));
    QVERIFY(processinfo::isRunning(pid1));

    reply = run.command({{"id", 2}, {"op", "kill-node"}, {"node", 1}});
    QVERIFY2(reply.value(u"ok").toBool(), qPrintable(reply.value(u"error").toString()));
    QVERIFY(!processinfo::isRunning(pid1));
    reply = run.command({{"id", 3}, {"op", "status"}});
    const QJsonObject killed = reply.value(u"nodes").toArray().at(1).toObject();
    QCOMPARE(killed.value(u"state").toString(), QStringLiteral("crashed"));
    QVERIFY2(killed.value(u"reason").toString().contains(u"SIGKILL"),
        qPrintable(killed.value(u"reason").toString()));

    reply = run.command({{"id", 4}, {"op", "restart-node"}, {"port", port1}});
    QVERIFY2(reply.value(u"ok").toBool(), qPrintable(reply.value(u"error").toString()));
    QCOMPARE(reply.value(u"state").toString(), QStringLiteral("healthy"));
    const qint64 newPid1 = reply.value(u"pid").toInteger();
    QVERIFY(newPid1 != pid1 && processinfo::isRunning(newPid1));

    reply = run.command({{"id", 5}, {"op", "set-backplane"}, {"mode", "streams"}});
    QVERIFY2(reply.value(u"ok").toBool(), qPrintable(reply.value(u"error").toString()));
    QCOMPARE(reply.value(u"mode").toString(), QStringLiteral("streams"));
    QCOMPARE(healthMode(port0), QStringLiteral("streams"));
    QCOMPARE(healthMode(port1), QStringLiteral("streams"));

    // Bad lines get their error reply; the farm carries on.
    reply = run.command({{"id", "bad"}, {"op", "kill-node"}, {"node", 7}});
    QVERIFY(!reply.value(u"ok").toBool());
    QCOMPARE(
        reply.value(u"error").toString(), QStringLiteral("node 7 out of range (farm has 2 nodes)"));
    run.write("not json\n" + QByteArray(StdinLines::kMaxLineBytes + 1, ' ') + "\n");
    reply = run.command({{"id", 6}, {"op", "status"}});
    QVERIFY(reply.value(u"ok").toBool());
    QCOMPARE(reply.value(u"state").toString(), QStringLiteral("running"));
    QCOMPARE(reply.value(u"backplane").toString(), QStringLiteral("streams"));
    QJsonArray errors;
    for (const QJsonObject &event : run.events()) {
        if (event.value(u"event").toString() == u"reply" && event.value(u"id").isNull())
            errors.append(event.value(u"error"));
    }
    QCOMPARE(errors.size(), 2);
    QVERIFY(errors[0].toString().startsWith(u"not JSON: "));
    QCOMPARE(errors[1].toString(),
        QStringLiteral("line of 65537 bytes is over the 65536-byte limit; it was skipped"));

    reply = run.command({{"id", 7}, {"op", "stop"}});
    QVERIFY(reply.value(u"ok").toBool());
    QVERIFY(run.waitForExit(scaledMs(15000)));
    QCOMPARE(run.exitCode(), 0);
    for (const qint64 pid : {pid0, newPid1, redisPid})
        QVERIFY2(!processinfo::isRunning(pid), qPrintable(QString::number(pid)));
    QVERIFY(run.allStdoutIsJson());
    QCOMPARE(countReplies(run), 10); // one per line, none twice
    QVERIFY2(run.leftovers().isEmpty(), qPrintable(run.leftovers().join(u' ')));
}

void tst_ControlChannel::endOfInputKeepsTheFarmRunning()
{
    // Without --json the replies are still JSON lines on stdout, among the table.
    TestLauncher run({"--nodes", "1", "--base-port", "auto", "--control", "stdin"},
        TestLauncher::environmentWithoutRedisPassword());
    FARMCHAT_VERIFY_OK(run.start());
    QVERIFY2(run.waitForStderr("the farm is running", scaledMs(20000)), run.err().constData());
    const QJsonObject reply = run.command({{"id", "s"}, {"op", "status"}});
    QVERIFY2(reply.value(u"ok").toBool(), run.out().constData());
    const quint16 port
        = quint16(reply.value(u"nodes").toArray().at(0).toObject().value(u"port").toInt());
    run.closeInput();
    QVERIFY2(run.waitForStderr("end of input; the farm keeps running"), run.err().constData());
    QCOMPARE(
        healthProblem(QUrl(QStringLiteral("http://127.0.0.1:%1/health").arg(port))), QString());
    run.terminate();
    QVERIFY(run.waitForExit(scaledMs(15000)));
    QCOMPARE(run.exitCode(), 0);
}

void tst_ControlChannel::partitionsALinkOfALiveFarm()
{
    // --link-faults: a partition of node 1's Redis link is a real one (the
    // node notices it by its own liveness probe), and healing ends it.
    TestLauncher run(
        {"--nodes", "2", "--base-port", "auto", "--json", "--link-faults", "--control", "stdin"},
        TestLauncher::environmentWithoutRedisPassword());
    FARMCHAT_VERIFY_OK(run.start());
    QJsonObject reply = run.command({{"id", 1}, {"op", "status"}});
    QVERIFY2(reply.value(u"ok").toBool(), run.out().constData());
    const QJsonObject node1 = reply.value(u"nodes").toArray().at(1).toObject();
    const QJsonObject healthy = LinkFault {}.toJson();
    QCOMPARE(node1.value(u"links").toObject().value(u"redis").toObject(), healthy);
    const quint16 port1 = quint16(node1.value(u"port").toInt());
    const QUrl health(QStringLiteral("http://127.0.0.1:%1/health").arg(port1));
    auto redisConnected = [&health] {
        return QJsonDocument::fromJson(httpRequest("GET", health).body)
            .object()
            .value(u"redisConnected")
            .toBool();
    };
    // Healthy means answering /health; the Redis links may take a moment more.
    QTRY_VERIFY_WITH_TIMEOUT(redisConnected(), scaledMs(5000));

    reply = run.command({{"id", 2}, {"op", "set-link-fault"}, {"node", 1},
        {"fault", QJsonObject {{"partitioned", true}}}});
    QVERIFY2(reply.value(u"ok").toBool(), qPrintable(reply.value(u"error").toString()));
    QCOMPARE(reply.value(u"fault").toObject().value(u"partitioned"), QJsonValue(true));
    // The half-open bound (docs/GUARANTEES.md), with a second of slack.
    QTRY_VERIFY_WITH_TIMEOUT(!redisConnected(), scaledMs(8000));
    reply = run.command({{"id", 3}, {"op", "status"}});
    QCOMPARE(reply.value(u"nodes").toArray().at(0).toObject().value(u"health").toObject().value(
                 u"redisConnected"),
        QJsonValue(true)); // one node's link, not Redis

    reply = run.command({{"id", 4}, {"op", "heal-link"}, {"node", 1}});
    QVERIFY2(reply.value(u"ok").toBool(), qPrintable(reply.value(u"error").toString()));
    QTRY_VERIFY_WITH_TIMEOUT(redisConnected(), scaledMs(5000));

    reply = run.command({{"id", 5}, {"op", "reset-link"}, {"node", 0}, {"link", "balancer"}});
    QVERIFY2(reply.value(u"error").toString().endsWith(
                 u"has no balancer link (the farm has no load balancer)"),
        qPrintable(reply.value(u"error").toString()));
    reply = run.command({{"id", 6}, {"op", "stop"}});
    QVERIFY(reply.value(u"ok").toBool());
    QVERIFY(run.waitForExit(scaledMs(15000)));
    QCOMPARE(run.exitCode(), 0);
}

void tst_ControlChannel::partitionedBalancerLinkTakesTheNodeOut()
{
    // --lb with --link-faults: HAProxy reaches node 0 through its link
    // proxy, health checks included, so a partition there marks node 0 DOWN
    // and every request lands on node 1; healed, node 0 takes requests again.
    TestLauncher run({"--nodes", "2", "--base-port", "auto", "--json", "--lb", "round-robin",
                         "--link-faults", "--control", "stdin"},
        TestLauncher::environmentWithoutRedisPassword());
    FARMCHAT_VERIFY_OK(run.start());
    QJsonObject reply = run.command({{"id", 1}, {"op", "status"}});
    QVERIFY2(reply.value(u"ok").toBool(), run.out().constData());
    const QUrl health = QUrl(reply.value(u"lb").toObject().value(u"url").toString())
                            .resolved(QUrl(QStringLiteral("/health")));
    const QString node0
        = reply.value(u"nodes").toArray().at(0).toObject().value(u"process").toString();
    // Which node answers the balancer's next /health ("" when none in time).
    auto answeredBy = [&health] {
        const HttpReply answer = httpRequest("GET", health, {}, {}, 1000);
        return QJsonDocument::fromJson(answer.body).object().value(u"node").toString();
    };
    // Round-robin: within a few requests both nodes answer.
    QTRY_VERIFY_WITH_TIMEOUT(answeredBy() == node0, scaledMs(5000));

    reply = run.command({{"id", 2}, {"op", "set-link-fault"}, {"node", 0}, {"link", "balancer"},
        {"fault", QJsonObject {{"partitioned", true}}}});
    QVERIFY2(reply.value(u"ok").toBool(), qPrintable(reply.value(u"error").toString()));
    // Down after two failed checks (1 s apart, each waiting out its timeout).
    QElapsedTimer clock;
    clock.start();
    int inARow = 0;
    while (inARow < 6 && clock.elapsed() < scaledMs(15000)) {
        const QString by = answeredBy();
        inARow = !by.isEmpty() && by != node0 ? inARow + 1 : 0;
    }
    QVERIFY2(inARow >= 6, "node 0 still takes requests through its partitioned link");
    qInfo(
        "balancer link partitioned: node 0 out of rotation after %lld ms", qint64(clock.elapsed()));

    reply = run.command({{"id", 3}, {"op", "heal-link"}, {"node", 0}, {"link", "balancer"}});
    QVERIFY2(reply.value(u"ok").toBool(), qPrintable(reply.value(u"error").toString()));
    QTRY_VERIFY_WITH_TIMEOUT(answeredBy() == node0, scaledMs(10000));
    reply = run.command({{"id", 4}, {"op", "stop"}});
    QVERIFY(reply.value(u"ok").toBool());
    QVERIFY(run.waitForExit(scaledMs(15000)));
    QCOMPARE(run.exitCode(), 0);
}

QTEST_GUILESS_MAIN(tst_ControlChannel)
#include "tst_controlchannel.moc"
