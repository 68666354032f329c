// A real farm: redis-server and three farmchat-node processes, two ChatClients
// on each node. What the modes promise, live switching, and the faults
// (Redis killed mid-traffic, CLIENT KILL TYPE pubsub, a wrong password),
// measured from the clients' side and checked against /metrics.
#include "client/chatclient.h"
#include "tests/support/testhttp.h"
#include "tests/support/testnode.h"
#include "tests/support/testredisserver.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <memory>
#include <vector>

using namespace farmchat;
using namespace farmchat::test;

namespace {

constexpr int kWaitMs = 20000;
const QByteArray kAdminToken = "farm-admin-token-for-tests";

// The clients' clock: one monotonic clock in this process for send and
// receive, so latency needs no clock agreement (texts carry the send time).
QElapsedTimer &testClock()
{
    static QElapsedTimer clock;
    if (!clock.isValid())
        clock.start();
    return clock;
}

QString stamped(const QString &label)
{
    return QStringLiteral("%1 @%2").arg(label).arg(testClock().nsecsElapsed());
}

// One client and what it saw.
struct Seat
{
    int node = 0;
    std::unique_ptr<ChatClient> client;
    QList<ChatMessage> messages;
    QHash<QString, int> textCount;
    struct Sample
    {
        QString text;
        QString node; // where the sender was
        double us = 0; // receive - send
    };
    QList<Sample> latencies;
    int disconnects = 0;
    QStringList sent; // texts the node accepted
    int sendErrors = 0;
    int warnings = 0;

    bool hasAll(const QSet<QString> &texts) const
    {
        for (const QString &t : texts) {
            if (!textCount.contains(t))
                return false;
        }
        return true;
    }
};

class Farm
{
public:
    ~Farm()
    {
        m_seats.clear(); // clients before their nodes
        m_nodes.clear();
    }

    QString start(const QString &mode, int nodes = 3, int clientsPerNode = 2,
        const QByteArray &password = {}, const QStringList &extra = {})
    {
        QString error;
        if (!redis.isRunning() && !redis.start(&error))
            return error;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("FARMCHAT_REDIS_PASSWORD"),
            QString::fromLatin1(password.isEmpty() ? redis.password() : password));
        env.insert(QStringLiteral("FARMCHAT_ADMIN_TOKEN"), QString::fromLatin1(kAdminToken));
        for (int i = 0; i < nodes; ++i) {
            QStringList args {QStringLiteral("--node-id"), QStringLiteral("node-%1").arg(i),
                QStringLiteral("--redis"), redis.url(), QStringLiteral("--backplane"), mode};
            args << extra;
            auto node = std::make_unique<TestNode>(args, env);
            if (!node->start(&error))
                return QStringLiteral("node %1: %2").arg(i).arg(error);
            m_nodes.push_back(std::move(node));
        }
        for (int i = 0; i < nodes; ++i) {
            for (int c = 0; c < clientsPerNode; ++c)
                addSeat(i);
        }
        const bool up = QTest::qWaitFor(
            [this] {
                return std::all_of(m_seats.begin(), m_seats.end(),
                    [](const auto &s) { return s->client->isConnected(); });
            },
            kWaitMs);
        return up ? QString() : QStringLiteral("clients did not connect");
    }

    Seat &seat(int i) { return *m_seats[std::size_t(i)]; }
    int seats() const { return int(m_seats.size()); }
    TestNode &node(int i) { return *m_nodes[std::size_t(i)]; }
    int nodes() const { return int(m_nodes.size()); }

    QUrl base(int i) const
    {
        QUrl url = m_nodes[std::size_t(i)]->url();
        url.setPath(QString());
        return url;
    }

    QJsonObject health(int i)
    {
        const HttpReply reply
            = httpRequest("GET", m_nodes[std::size_t(i)]->url(QStringLiteral("/health")));
        return QJsonDocument::fromJson(reply.body).object();
    }

    bool redisConnectedEverywhere()
    {
        for (int i = 0; i < nodes(); ++i) {
            if (!health(i).value(u"redisConnected").toBool())
                return false;
        }
        return true;
    }

    HttpReply switchMode(int i, const QString &mode, const QByteArray &token = kAdminToken)
    {
        return httpRequest("PUT", m_nodes[std::size_t(i)]->url(QStringLiteral("/admin/backplane")),
            QJsonDocument(QJsonObject {{QStringLiteral("mode"), mode}}).toJson(),
            {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}});
    }

    // A counter from /metrics; `label` like reason="gap"; 0 when absent.
    qint64 metric(int i, const QByteArray &name, const QByteArray &label = {})
    {
        const HttpReply reply
            = httpRequest("GET", m_nodes[std::size_t(i)]->url(QStringLiteral("/metrics")));
        for (const QByteArray &line : reply.body.split('\n')) {
            if (!line.startsWith(QByteArray(name + '{'))
                || (!label.isEmpty() && !line.contains(label)))
                continue;
            return line.mid(line.lastIndexOf(' ') + 1).toLongLong();
        }
        return 0;
    }

    // Send from seat s; the text is stamped with the send time.
    void send(int s, const QString &label, const QString &room = ChatClient::kLobby)
    {
        Seat *seat = m_seats[std::size_t(s)].get();
        const QString text = stamped(label);
        seat->client->send(text, room, [seat, text](const QString &, const QString &error) {
            if (error.isEmpty())
                seat->sent << text;
            else
                ++seat->sendErrors;
        });
    }

    // Texts the nodes accepted, from the seats of `node` (-1: all).
    QSet<QString> accepted(int node = -1) const
    {
        QSet<QString> out;
        for (const auto &s : m_seats) {
            if (node < 0 || s->node == node)
                out.unite(QSet<QString>(s->sent.begin(), s->sent.end()));
        }
        return out;
    }

    // Send calls answered, with success or an error.
    int answered() const
    {
        int count = 0;
        for (const auto &s : m_seats)
            count += int(s->sent.size()) + s->sendErrors;
        return count;
    }

    // Waits until no seat has received anything for quietMs.
    void settle(int quietMs = 1000, int maxMs = kWaitMs)
    {
        QElapsedTimer clock;
        clock.start();
        qint64 lastCount = -1;
        QElapsedTimer quiet;
        quiet.start();
        while (clock.elapsed() < maxMs) {
            qint64 count = 0;
            for (const auto &s : m_seats)
                count += s->messages.size();
            if (count != lastCount) {
                lastCount = count;
                quiet.restart();
            } else if (quiet.elapsed() >= quietMs) {
                return;
            }
            QTest::qWait(50);
        }
    }

    TestRedisServer redis;

private:
    void addSeat(int node)
    {
        auto seat = std::make_unique<Seat>();
        seat->node = node;
        ChatClientOptions options;
        options.hub.reconnect.baseDelayMs = 100;
        options.hub.reconnect.maxDelayMs = 500;
        seat->client = std::make_unique<ChatClient>(base(node), options);
        Seat *raw = seat.get();
        QObject::connect(raw->client.get(), &ChatClient::messageReceived, raw->client.get(),
            [raw](const ChatMessage &m, bool) {
                const qint64 now = testClock().nsecsElapsed();
                raw->messages.append(m);
                ++raw->textCount[m.text];
                const qsizetype at = m.text.lastIndexOf(u'@');
                bool ok = false;
                const qint64 sentNs = at < 0 ? 0 : m.text.mid(at + 1).toLongLong(&ok);
                if (ok)
                    raw->latencies.append({m.text, m.node, double(now - sentNs) / 1000.0});
            });
        QObject::connect(&raw->client->connection(), &HubConnection::reconnecting,
            raw->client.get(), [raw] { ++raw->disconnects; });
        QObject::connect(&raw->client->connection(), &HubConnection::disconnected,
            raw->client.get(), [raw] { ++raw->disconnects; });
        QObject::connect(raw->client.get(), &ChatClient::deliveryWarning, raw->client.get(),
            [raw] { ++raw->warnings; });
        raw->client->setName(QStringLiteral("seat%1").arg(m_seats.size()));
        raw->client->start();
        m_seats.push_back(std::move(seat));
    }

    std::vector<std::unique_ptr<TestNode>> m_nodes;
    std::vector<std::unique_ptr<Seat>> m_seats;
};

// Runs the event loop (blocking in poll, so socket events are handled the
// moment they come) until `done` or the timeout.
bool runUntil(const std::function<bool()> &done, int timeoutMs)
{
    QEventLoop loop;
    QTimer check;
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        if (done())
            loop.quit();
    });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    check.start(50);
    loop.exec();
    return done();
}

double percentile(QList<double> values, double q)
{
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    return values[std::min<qsizetype>(values.size() - 1, qsizetype(q * double(values.size())))];
}

QStringList textsIn(const Seat &seat, const QString &room = ChatClient::kLobby)
{
    QStringList out;
    for (const ChatMessage &m : seat.messages) {
        if (m.room == room)
            out << m.text;
    }
    return out;
}

#define START_FARM(farm, ...)                                                                      \
    do {                                                                                           \
        const QString why = (farm).start(__VA_ARGS__);                                             \
        QVERIFY2(why.isEmpty(), qPrintable(why));                                                  \
    } while (false)

} // namespace

class tst_BackplaneFarm : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(!TestNode::binaryPath().isEmpty(),
            "FARMCHAT_NODE_BIN is not set: run this test through ctest");
        QVERIFY2(!TestRedisServer::binaryPath().isEmpty(),
            "redis-server not found: sudo apt-get install redis-server");
    }

    void modesDeliverWhatTheyPromise_data()
    {
        QTest::addColumn<QString>("mode");
        QTest::addRow("off") << "off";
        QTest::addRow("pubsub") << "pubsub";
        QTest::addRow("streams") << "streams";
    }
    void modesDeliverWhatTheyPromise()
    {
        QFETCH(QString, mode);
        Farm farm;
        START_FARM(farm, mode);
        if (mode != u"off")
            QTRY_VERIFY_WITH_TIMEOUT(farm.redisConnectedEverywhere(), kWaitMs);
        constexpr int kRounds = 50;
        QTimer pump;
        int round = 0;
        QObject::connect(&pump, &QTimer::timeout, [&] {
            for (int s = 0; s < farm.seats(); ++s)
                farm.send(s, QStringLiteral("r%1 s%2").arg(round).arg(s));
            if (++round == kRounds)
                pump.stop();
        });
        pump.start(20);
        const int total = kRounds * farm.seats();
        // A real event loop while measuring: QTRY_* polls with 10 ms sleeps,
        // which would show up as latency.
        QVERIFY(runUntil(
            [&] { return round == kRounds && int(farm.accepted().size()) == total; }, kWaitMs));
        farm.settle(500);

        for (int s = 0; s < farm.seats(); ++s) {
            Seat &seat = farm.seat(s);
            const QSet<QString> expected
                = mode == u"off" ? farm.accepted(seat.node) : farm.accepted();
            const QStringList got = textsIn(seat);
            QCOMPARE(got.size(), expected.size()); // exactly once...
            QCOMPARE(QSet<QString>(got.begin(), got.end()),
                expected); // ...and only what the mode promises
            for (const ChatMessage &m : seat.messages) {
                if (mode == u"off") {
                    QCOMPARE(m.via, Via::Local);
                    QCOMPARE(m.node, QStringLiteral("node-%1").arg(seat.node));
                } else if (m.node != QStringLiteral("node-%1").arg(seat.node)) {
                    QCOMPARE(viaName(m.via), mode);
                }
            }
            QCOMPARE(seat.disconnects, 0);
        }
        if (mode == u"streams") {
            // One order per room, the same on every client of every node.
            const QStringList order = textsIn(farm.seat(0));
            for (int s = 1; s < farm.seats(); ++s)
                QCOMPARE(textsIn(farm.seat(s)), order);
        }
        for (int i = 0; i < farm.nodes(); ++i) {
            QCOMPARE(farm.metric(i, "farmchat_backplane_dropped_total", "reason=\"gap\""), 0);
            if (mode != u"off")
                QCOMPARE(farm.metric(i, "farmchat_backplane_received_total"),
                    qint64(total - total / farm.nodes()));
            // Lag is measured for what crossed nodes only, not for a node's
            // own messages read back from the stream.
            if (mode != u"off")
                QCOMPARE(farm.metric(i, "farmchat_backplane_lag_ms_count"),
                    qint64(total - total / farm.nodes()));
        }

        // Latency, one message in flight at a time: the path, not queueing.
        // Both ends set TCP_NODELAY (the node on accept, QWebSocket on
        // connect), so small records do not wait for a delayed ACK.
        const int before = int(farm.accepted().size());
        constexpr int kSamples = 120;
        int k = 0;
        QTimer paced;
        QObject::connect(&paced, &QTimer::timeout, [&] {
            farm.send(k % farm.seats(), QStringLiteral("latency %1").arg(k));
            if (++k == kSamples)
                paced.stop();
        });
        paced.start(15);
        QVERIFY(runUntil(
            [&] { return k == kSamples && int(farm.accepted().size()) == before + kSamples; },
            kWaitMs));
        QVERIFY(runUntil(
            [&] {
                for (int s = 0; s < farm.seats(); ++s) {
                    const Seat &seat = farm.seat(s);
                    const QStringList sent = farm.seat((s + 1) % farm.seats()).sent;
                    if (mode != u"off" && !seat.textCount.contains(sent.last()))
                        return false;
                }
                return true;
            },
            kWaitMs));
        QTest::qWait(200);
        QList<double> latencies;
        for (int s = 0; s < farm.seats(); ++s) {
            const Seat &seat = farm.seat(s);
            for (const Seat::Sample &sample : seat.latencies) {
                const bool crossed = sample.node != QStringLiteral("node-%1").arg(seat.node);
                if (sample.text.startsWith(QLatin1String("latency")) && crossed == (mode != u"off"))
                    latencies << sample.us;
            }
        }
        QVERIFY(latencies.size() >= kSamples);
        qInfo().noquote() << QStringLiteral(
            "LATENCY mode=%1 samples=%2 p50=%3ms p99=%4ms (client send -> "
            "client receive, %5, 3 nodes x 2 clients)")
                                 .arg(mode)
                                 .arg(latencies.size())
                                 .arg(percentile(latencies, 0.50) / 1000.0, 0, 'f', 2)
                                 .arg(percentile(latencies, 0.99) / 1000.0, 0, 'f', 2)
                                 .arg(mode == u"off" ? QStringLiteral("same node")
                                                     : QStringLiteral("other nodes"));
    }

    void liveSwitchKeepsEveryClient()
    {
        Farm farm;
        START_FARM(farm, QStringLiteral("off"));
        // Without the token, nothing changes.
        QCOMPARE(farm.switchMode(0, QStringLiteral("pubsub"), "wrong").status, 401);
        QCOMPARE(farm.health(0).value(u"backplane").toString(), QStringLiteral("off"));

        const QStringList modes {QStringLiteral("pubsub"), QStringLiteral("streams"),
            QStringLiteral("off"), QStringLiteral("streams"), QStringLiteral("pubsub")};
        int sentSoFar = 0;
        for (const QString &mode : modes) {
            for (int i = 0; i < farm.nodes(); ++i) {
                const HttpReply reply = farm.switchMode(i, mode);
                QVERIFY2(reply.status == 200, reply.body.constData());
                QCOMPARE(farm.health(i).value(u"backplane").toString(), mode);
            }
            if (mode != u"off")
                QTRY_VERIFY_WITH_TIMEOUT(farm.redisConnectedEverywhere(), kWaitMs);
            if (mode == u"streams")
                QTest::qWait(300); // every node's reader takes its place at the room's end
            QElapsedTimer clock;
            clock.start();
            farm.send(0, QStringLiteral("after switch to ") + mode); // seat 0 is on node 0
            ++sentSoFar;
            QTRY_COMPARE_WITH_TIMEOUT(int(farm.seat(0).sent.size()), sentSoFar, kWaitMs);
            const QString text = farm.seat(0).sent.last();
            for (int s = 0; s < farm.seats(); ++s) {
                if (mode != u"off" || farm.seat(s).node == 0)
                    QTRY_COMPARE_WITH_TIMEOUT(farm.seat(s).textCount.value(text), 1, kWaitMs);
            }
            // Promptly, too: a reader link kept from an earlier streams
            // backplane must not hold the new one behind its blocked XREAD.
            QVERIFY2(clock.elapsed() < 2000,
                qPrintable(QStringLiteral("%1: %2 ms").arg(mode).arg(clock.elapsed())));
            if (mode == u"off") {
                QTest::qWait(500);
                for (int s = 0; s < farm.seats(); ++s) {
                    if (farm.seat(s).node != 0)
                        QVERIFY2(
                            !farm.seat(s).textCount.contains(text), "off must not cross nodes");
                }
            }
        }
        for (int s = 0; s < farm.seats(); ++s) {
            QCOMPARE(farm.seat(s).disconnects, 0);
            QVERIFY(farm.seat(s).client->isConnected());
        }
    }

    void redisKilledDuringTraffic_data()
    {
        QTest::addColumn<QString>("mode");
        QTest::addRow("pubsub") << "pubsub";
        QTest::addRow("streams") << "streams";
    }
    void redisKilledDuringTraffic()
    {
        // 10,000 messages from 3 nodes; Redis is killed a third of the way
        // in and started again (empty, as the launcher's Redis would be)
        // within 2 s.
        QFETCH(QString, mode);
        Farm farm;
        START_FARM(farm, mode);
        QTRY_VERIFY_WITH_TIMEOUT(farm.redisConnectedEverywhere(), kWaitMs);
        constexpr int kTotal = 10000;
        int issued = 0;
        QTimer pump;
        QObject::connect(&pump, &QTimer::timeout, [&] {
            for (int s = 0; s < farm.seats() && issued < kTotal; ++s)
                farm.send(s, QStringLiteral("m%1").arg(issued++));
            if (issued >= kTotal)
                pump.stop();
        });
        pump.start(7); // ~860 messages/s: under each client's 200/s rate limit
        QTRY_VERIFY_WITH_TIMEOUT(issued >= kTotal / 3, kWaitMs);
        farm.redis.kill();
        QElapsedTimer down;
        down.start();
        QTest::qWait(1000);
        QString error;
        QVERIFY2(farm.redis.restart(&error), qPrintable(error));
        QVERIFY2(down.elapsed() < 2500, qPrintable(QString::number(down.elapsed())));
        QTRY_VERIFY_WITH_TIMEOUT(issued >= kTotal, 40000);
        QTRY_COMPARE_WITH_TIMEOUT(
            farm.answered(), kTotal, kWaitMs); // every Send got its one answer
        const QSet<QString> all = farm.accepted();
        const int sendErrors = kTotal - int(all.size());

        if (mode == u"streams") {
            // Everyone gets everything, once (History catch-up included).
            runUntil(
                [&] {
                    for (int s = 0; s < farm.seats(); ++s) {
                        if (!farm.seat(s).hasAll(all))
                            return false;
                    }
                    return true;
                },
                30000);
            farm.settle(1000);
            for (int s = 0; s < farm.seats(); ++s) {
                QStringList missing;
                for (const QString &t : all) {
                    if (!farm.seat(s).textCount.contains(t))
                        missing << t.section(u' ', 0, 0);
                }
                if (!missing.isEmpty()) {
                    std::sort(missing.begin(), missing.end());
                    qWarning().noquote()
                        << "seat" << s << "on node" << farm.seat(s).node << "misses"
                        << missing.size() << "e.g." << missing.mid(0, 20).join(u' ');
                }
            }
            if (!std::all_of(all.begin(), all.end(),
                    [&](const QString &t) { return farm.seat(0).textCount.contains(t); })) {
                for (int i = 0; i < farm.nodes(); ++i) {
                    const HttpReply metrics
                        = httpRequest("GET", farm.node(i).url(QStringLiteral("/metrics")));
                    for (const QByteArray &line : metrics.body.split('\n')) {
                        if (line.startsWith("farmchat_backplane")
                            && !line.contains("lag_ms_bucket"))
                            qWarning().noquote() << i << line;
                    }
                }
                qWarning().noquote() << farm.node(0).output().right(3000);
            }
            qint64 lost = 0, duplicated = 0;
            for (int s = 0; s < farm.seats(); ++s) {
                const Seat &seat = farm.seat(s);
                for (const QString &t : all)
                    lost += seat.textCount.contains(t) ? 0 : 1;
                for (int count : seat.textCount)
                    duplicated += count - 1;
            }
            qInfo().noquote() << QStringLiteral(
                "REDIS-KILL mode=streams sent=%1 accepted=%2 refused=%3 lost=%4 duplicated=%5")
                                     .arg(kTotal)
                                     .arg(all.size())
                                     .arg(sendErrors)
                                     .arg(lost)
                                     .arg(duplicated);
            QCOMPARE(lost, 0);
            QCOMPARE(duplicated, 0);
            QCOMPARE(sendErrors, 0); // the outbox (10,000) held everything
        } else {
            farm.settle(1500);
            qint64 totalMissed = 0, totalGap = 0, totalDuplicated = 0, warnings = 0;
            for (int i = 0; i < farm.nodes(); ++i) {
                // What the node's clients missed of the other nodes' messages.
                QSet<QString> others;
                for (int n = 0; n < farm.nodes(); ++n) {
                    if (n != i)
                        others.unite(farm.accepted(n));
                }
                QList<qint64> missedPerSeat;
                for (int s = 0; s < farm.seats(); ++s) {
                    const Seat &seat = farm.seat(s);
                    if (seat.node != i)
                        continue;
                    qint64 missed = 0;
                    for (const QString &t : others)
                        missed += seat.textCount.contains(t) ? 0 : 1;
                    missedPerSeat << missed;
                    for (int count : seat.textCount)
                        totalDuplicated += count - 1;
                    warnings += seat.warnings;
                }
                QCOMPARE(
                    missedPerSeat.first(), missedPerSeat.last()); // a node's clients miss the same
                const qint64 gap
                    = farm.metric(i, "farmchat_backplane_dropped_total", "reason=\"gap\"");
                QCOMPARE(gap, missedPerSeat.first()); // counted exactly
                totalMissed += missedPerSeat.first();
                totalGap += gap;
            }
            qInfo().noquote() << QStringLiteral(
                "REDIS-KILL mode=pubsub sent=%1 accepted=%2 missed(node,message)=%3 "
                "gap-counted=%4 duplicated=%5 sender-warnings=%6")
                                     .arg(kTotal)
                                     .arg(all.size())
                                     .arg(totalMissed)
                                     .arg(totalGap)
                                     .arg(totalDuplicated)
                                     .arg(warnings);
            QVERIFY2(totalMissed > 0,
                "nothing was lost: the kill did not bite, the test proves nothing");
            QCOMPARE(totalDuplicated, 0);
        }
        for (int s = 0; s < farm.seats(); ++s)
            QCOMPARE(farm.seat(s).disconnects, 0); // Redis trouble never drops a client
    }

    void killedSubscribersCountTheirGap()
    {
        Farm farm;
        START_FARM(farm, QStringLiteral("pubsub"));
        QTRY_VERIFY_WITH_TIMEOUT(farm.redisConnectedEverywhere(), kWaitMs);
        int issued = 0;
        QTimer pump;
        QObject::connect(&pump, &QTimer::timeout, [&] {
            for (int s = 0; s < farm.seats(); ++s)
                farm.send(s, QStringLiteral("k%1").arg(issued++));
            if (issued >= 1800)
                pump.stop();
        });
        pump.start(10);
        QTRY_VERIFY_WITH_TIMEOUT(issued >= 600, kWaitMs);
        QVERIFY(farm.redis.command({"CLIENT", "KILL", "TYPE", "pubsub"}).ok);
        QTRY_VERIFY_WITH_TIMEOUT(issued >= 1800, kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(int(farm.accepted().size()), 1800, kWaitMs);
        farm.settle(1000);
        qint64 totalMissed = 0;
        for (int i = 0; i < farm.nodes(); ++i) {
            QSet<QString> others;
            for (int n = 0; n < farm.nodes(); ++n) {
                if (n != i)
                    others.unite(farm.accepted(n));
            }
            qint64 missed = 0;
            const Seat &seat = farm.seat(2 * i);
            for (const QString &t : others)
                missed += seat.textCount.contains(t) ? 0 : 1;
            QCOMPARE(farm.metric(i, "farmchat_backplane_dropped_total", "reason=\"gap\""), missed);
            QVERIFY(farm.metric(i, "farmchat_redis_reconnects_total", "link=\"subscriber\"") >= 1);
            QCOMPARE(farm.metric(i, "farmchat_redis_reconnects_total", "link=\"commands\""), 0);
            totalMissed += missed;
        }
        qInfo().noquote() << QStringLiteral(
            "CLIENT-KILL-PUBSUB missed(node,message)=%1, all counted as gaps")
                                 .arg(totalMissed);
    }

    void wrongPasswordKeepsLocalChat()
    {
        Farm farm;
        START_FARM(farm, QStringLiteral("pubsub"), 1, 2, QByteArray("not-the-password"));
        QTRY_VERIFY_WITH_TIMEOUT(farm.health(0)
                                     .value(u"lastBackplaneError")
                                     .toString()
                                     .contains(QStringLiteral("WRONGPASS")),
            kWaitMs);
        const QJsonObject health = farm.health(0);
        QCOMPARE(health.value(u"redisConnected").toBool(), false);
        QVERIFY2(health.value(u"lastBackplaneError")
                     .toString()
                     .contains(QStringLiteral("FARMCHAT_REDIS_PASSWORD")),
            qPrintable(health.value(u"lastBackplaneError").toString()));
        farm.send(0, QStringLiteral("local only"));
        QTRY_COMPARE_WITH_TIMEOUT(farm.seat(1).messages.size(), 1, kWaitMs);
        QTRY_COMPARE(farm.seat(0).warnings, 1); // "delivered on this node only"
        // The secret shows up nowhere.
        const QByteArray everything = QJsonDocument(health).toJson() + farm.node(0).output()
            + httpRequest("GET", farm.node(0).url(QStringLiteral("/metrics"))).body;
        QVERIFY(!everything.contains("not-the-password"));
        QVERIFY(!everything.contains(farm.redis.password()));
    }

    void historyIsFarmWideInStreams()
    {
        Farm farm;
        START_FARM(farm, QStringLiteral("streams"), 2, 1);
        QTRY_VERIFY_WITH_TIMEOUT(farm.redisConnectedEverywhere(), kWaitMs);
        for (int k = 0; k < 10; ++k)
            farm.send(0, QStringLiteral("h%1").arg(k));
        QTRY_COMPARE_WITH_TIMEOUT(farm.seat(1).messages.size(), 10, kWaitMs);
        const QString fifth = farm.seat(1).messages.at(4).id;
        // Asked on the other node, by the id a client last saw: exactly what came after.
        QUrl url = farm.node(1).url(QStringLiteral("/rooms/lobby/messages"));
        url.setQuery(QStringLiteral("after=%1&limit=100").arg(fifth));
        const HttpReply reply = httpRequest("GET", url);
        QCOMPARE(reply.status, 200);
        const QJsonDocument doc = QJsonDocument::fromJson(reply.body);
        const QJsonArray messages
            = doc.isArray() ? doc.array() : doc.object().value(u"messages").toArray();
        QCOMPARE(messages.size(), 5);
        for (int k = 0; k < 5; ++k)
            QCOMPARE(messages.at(k).toObject().value(u"id").toString(),
                farm.seat(1).messages.at(5 + k).id);
    }
};

QTEST_GUILESS_MAIN(tst_BackplaneFarm)
#include "tst_backplanefarm.moc"
