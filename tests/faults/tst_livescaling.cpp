// A farm that scales while messages flow, driven like a script would drive
// it: farmchat-launcher --control stdin with a sticky HAProxy in front and
// link proxies on every link, in streams mode. A node is added in the middle
// (HAProxy's runtime API puts it in rotation; its new clients catch up
// through History and get every later message), then a node is removed (its
// clients reconnect through the balancer to the others and catch up). Every
// client ends with every accepted message: 0 lost, 0 shown twice. One SCALE
// line with the figures.
#include "client/chatclient.h"
#include "tests/support/processinfo.h"
#include "tests/support/testhttp.h"
#include "tests/support/testlauncher.h"
#include "tests/support/timefactor.h"
#include "tests/support/verifyresult.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QTest>
#include <QTimer>

#include <memory>
#include <vector>

using namespace farmchat;
using namespace farmchat::test;

namespace {

constexpr int kMessages = 600;
constexpr int kSendEveryMs = 10;
constexpr int kBalancedClients = 6;
constexpr int kClientsOnNewNode = 2;

// One chat client and the message ids it showed.
struct Client
{
    std::unique_ptr<ChatClient> chat;
    QSet<QString> seen;
    int shownTwice = 0;
    QSet<QString> nodes; // every node that served it
};

std::unique_ptr<Client> connectClient(const QUrl &url, bool historyOnJoin)
{
    ChatClientOptions options;
    options.identifyNode = true;
    options.historyOnJoin = historyOnJoin;
    auto client = std::make_unique<Client>();
    client->chat = std::make_unique<ChatClient>(url, options);
    Client *raw = client.get();
    QObject::connect(
        raw->chat.get(), &ChatClient::messageReceived, [raw](const ChatMessage &message, bool) {
            if (raw->seen.contains(message.id))
                ++raw->shownTwice;
            raw->seen.insert(message.id);
        });
    QObject::connect(raw->chat.get(), &ChatClient::servedByChanged, [raw](const QString &node) {
        if (!node.isEmpty())
            raw->nodes.insert(node);
    });
    raw->chat->start();
    return client;
}

bool allConnected(const std::vector<std::unique_ptr<Client>> &clients)
{
    for (const auto &client : clients) {
        if (!client->chat->isConnected() || client->chat->servedBy().isEmpty())
            return false;
    }
    return true;
}

} // namespace

class tst_LiveScaling : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void addAndRemoveWhileMessagesFlow();
    void refusesWhatCannotScale();
};

void tst_LiveScaling::addAndRemoveWhileMessagesFlow()
{
    TestLauncher run({"--nodes", "2", "--base-port", "auto", "--json", "--backplane", "streams",
                         "--lb", "sticky", "--link-faults", "--control", "stdin"},
        TestLauncher::environmentWithoutRedisPassword());
    FARMCHAT_VERIFY_OK(run.start());
    QJsonObject reply = run.command({{"id", 1}, {"op", "status"}});
    QVERIFY2(reply.value(u"ok").toBool(), run.out().constData());
    const QUrl balancer(reply.value(u"lb").toObject().value(u"url").toString());
    const QJsonObject first = reply.value(u"nodes").toArray().at(0).toObject();
    const QString removed = first.value(u"process").toString();
    const qint64 removedPid = first.value(u"pid").toInteger();

    std::vector<std::unique_ptr<Client>> clients;
    for (int i = 0; i < kBalancedClients; ++i)
        clients.push_back(connectClient(balancer, false));
    QTRY_VERIFY_WITH_TIMEOUT(allConnected(clients), scaledMs(15000));

    // One message every kSendEveryMs from the balanced clients in turn.
    QSet<QString> accepted;
    int issued = 0;
    int failedSends = 0;
    QTimer pump;
    pump.setInterval(kSendEveryMs);
    QObject::connect(&pump, &QTimer::timeout, [&] {
        if (issued >= kMessages)
            return pump.stop();
        ChatClient &from = *clients[size_t(issued % kBalancedClients)]->chat;
        if (!from.isConnected())
            return; // it reconnects through the balancer; the next tick tries again
        from.send(QStringLiteral("m%1").arg(issued++), ChatClient::kLobby,
            [&](const Result<QString> &id) {
                if (id)
                    accepted.insert(id.value());
                else
                    ++failedSends;
            });
    });
    pump.start();
    QTRY_VERIFY_WITH_TIMEOUT(issued >= kMessages / 4, scaledMs(20000));

    // A node joins: running, in rotation, its own clients catch up.
    QElapsedTimer clock;
    clock.start();
    reply = run.command({{"id", 2}, {"op", "add-node"}});
    QVERIFY2(reply.value(u"ok").toBool(), qPrintable(reply.value(u"error").toString()));
    const qint64 joinMs = clock.elapsed();
    QCOMPARE(reply.value(u"state").toString(), QStringLiteral("healthy"));
    QCOMPARE(reply.value(u"node").toInt(), 2);
    const QString added = reply.value(u"process").toString();
    const QUrl addedUrl(QStringLiteral("http://127.0.0.1:%1").arg(reply.value(u"port").toInt()));
    const int acceptedBeforeJoin = int(accepted.size());
    for (int i = 0; i < kClientsOnNewNode; ++i)
        clients.push_back(connectClient(addedUrl, true));
    // The balancer sends new clients there too (round robin over three).
    auto probe = connectClient(balancer, false);
    for (int attempt = 0; attempt < 6 && !probe->nodes.contains(added); ++attempt) {
        probe = connectClient(balancer, false);
        QTRY_VERIFY_WITH_TIMEOUT(
            probe->chat->isConnected() && !probe->chat->servedBy().isEmpty(), scaledMs(10000));
    }
    QVERIFY2(probe->nodes.contains(added), "the balancer never sent a new client to the new node");
    probe.reset();
    QTRY_VERIFY_WITH_TIMEOUT(issued >= kMessages / 2, scaledMs(20000));

    // A node leaves: its clients move to the others through the balancer.
    clock.restart();
    reply = run.command({{"id", 3}, {"op", "remove-node"}, {"node", 0}});
    QVERIFY2(reply.value(u"ok").toBool(), qPrintable(reply.value(u"error").toString()));
    const qint64 leaveMs = clock.elapsed();
    QCOMPARE(reply.value(u"process").toString(), removed);
    QCOMPARE(reply.value(u"nodes").toInt(), 2);
    QVERIFY(!processinfo::isRunning(removedPid));
    int moved = 0;
    for (const auto &client : clients)
        moved += client->nodes.contains(removed) ? 1 : 0;
    QVERIFY2(moved > 0, "no client was on the removed node");

    QTRY_VERIFY_WITH_TIMEOUT(issued >= kMessages, scaledMs(30000));
    QTRY_VERIFY_WITH_TIMEOUT(allConnected(clients), scaledMs(15000));
    // Every client ends with every accepted message, the moved ones through
    // their catch-up, the new node's through History and live.
    const auto lostBy = [&accepted](const Client &client) {
        qint64 lost = 0;
        for (const QString &id : accepted)
            lost += client.seen.contains(id) ? 0 : 1;
        return lost;
    };
    qint64 lost = 0;
    int shownTwice = 0;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            lost = 0;
            shownTwice = 0;
            for (const auto &client : clients) {
                lost += lostBy(*client);
                shownTwice += client->shownTwice;
            }
            return lost == 0;
        }(),
        scaledMs(20000));
    QCOMPARE(shownTwice, 0);
    for (const auto &client : clients) {
        if (client->nodes.contains(removed))
            QVERIFY2(client->chat->servedBy() != removed, "a client stayed on the removed node");
    }
    reply = run.command({{"id", 4}, {"op", "status"}});
    const QJsonArray nodes = reply.value(u"nodes").toArray();
    QCOMPARE(nodes.size(), 2);
    QCOMPARE(nodes.at(1).toObject().value(u"process").toString(), added);
    QVERIFY(nodes.at(1).toObject().contains(u"links")); // the new node's proxies
    qInfo("SCALE streams, sticky balancer: %lld accepted (%d before the join, %d sends refused "
          "while moving); join %lld ms, leave %lld ms; %d clients moved; lost 0, shown twice 0",
        qint64(accepted.size()), acceptedBeforeJoin, failedSends, joinMs, leaveMs, moved);

    reply = run.command({{"id", 5}, {"op", "stop"}});
    QVERIFY(reply.value(u"ok").toBool());
    clients.clear();
    QVERIFY(run.waitForExit(scaledMs(15000)));
    QCOMPARE(run.exitCode(), 0);
    QVERIFY2(run.leftovers().isEmpty(), qPrintable(run.leftovers().join(u' ')));
}

void tst_LiveScaling::refusesWhatCannotScale()
{
    TestLauncher run({"--nodes", "1", "--base-port", "auto", "--json", "--control", "stdin"},
        TestLauncher::environmentWithoutRedisPassword());
    FARMCHAT_VERIFY_OK(run.start());
    QJsonObject reply = run.command({{"id", 1}, {"op", "remove-node"}, {"node", 0}});
    QVERIFY(!reply.value(u"ok").toBool());
    QVERIFY2(reply.value(u"error").toString().contains(u"the farm's last node"),
        qPrintable(reply.value(u"error").toString()));
    // Without a balancer: the node joins and serves on its own port.
    reply = run.command({{"id", 2}, {"op", "add-node"}});
    QVERIFY2(reply.value(u"ok").toBool(), qPrintable(reply.value(u"error").toString()));
    const quint16 port = quint16(reply.value(u"port").toInt());
    const HttpReply health
        = httpRequest("GET", QUrl(QStringLiteral("http://127.0.0.1:%1/health").arg(port)));
    QCOMPARE(health.status, 200);
    reply = run.command({{"id", 3}, {"op", "remove-node"}, {"node", 1}});
    QVERIFY2(reply.value(u"ok").toBool(), qPrintable(reply.value(u"error").toString()));
    reply = run.command({{"id", 4}, {"op", "remove-node"}, {"node", 1}});
    QVERIFY(!reply.value(u"ok").toBool());
    QCOMPARE(
        reply.value(u"error").toString(), QStringLiteral("node 1 out of range (farm has 1 node)"));
    reply = run.command({{"id", 5}, {"op", "stop"}});
    QVERIFY(reply.value(u"ok").toBool());
    QVERIFY(run.waitForExit(scaledMs(15000)));
    QCOMPARE(run.exitCode(), 0);
    QVERIFY2(run.leftovers().isEmpty(), qPrintable(run.leftovers().join(u' ')));
}

QTEST_GUILESS_MAIN(tst_LiveScaling)
#include "tst_livescaling.moc"
