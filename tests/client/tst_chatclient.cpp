#include "client/chatclient.h"
#include "protocol/hubcontract.h"
#include "protocol/hubprotocol.h"
#include "tests/client/fakehubserver.h"

#include <QSignalSpy>
#include <QTest>
#include <QWebSocket>

using namespace farmchat;
using farmchat::test::FakeHubServer;

namespace {

constexpr int kWaitMs = 5000;

// A Done that writes what it was told into `error`: empty when ok, else why not.
ChatClient::Done keepError(QString &error)
{
    return [&error](const Result<void> &result) { error = result ? QString() : result.error(); };
}

// Just enough of a chat node on top of FakeHubServer: rooms, ids, history,
// broadcast. Tests reach in to make it misbehave.
class FakeChat
{
public:
    explicit FakeChat(FakeHubServer &server) : m_server(server)
    {
        server.onMessage = [this](FakeHubServer::Peer &peer, const HubMessage &message) {
            handle(peer, message);
        };
    }

    ChatMessage makeMessage(
        const QString &room, const QString &text, const QString &from = QStringLiteral("bob"))
    {
        ChatMessage m;
        m.id = QStringLiteral("fake:%1").arg(++m_sequence);
        m.room = room;
        m.from = from;
        m.text = text;
        m.node = QStringLiteral("node-fake");
        m.sentAt = 1700000000000 + m_sequence;
        return m;
    }
    // Stores and broadcasts, as the node does for a Send.
    ChatMessage publish(const QString &room, const QString &text)
    {
        const ChatMessage m = makeMessage(room, text);
        history[room].append(m);
        broadcast(m);
        return m;
    }
    // Stores only: a message sent while the client was away.
    ChatMessage store(const QString &room, const QString &text)
    {
        const ChatMessage m = makeMessage(room, text);
        history[room].append(m);
        return m;
    }
    void broadcast(const ChatMessage &m)
    {
        for (FakeHubServer::Peer &peer : m_server.peers) {
            // Every connection is in lobby, as on the node.
            if (peer.socket
                && (m.room == u"lobby" || m_rooms.value(peer.socket.data()).contains(m.room)))
                m_server.sendTo(
                    peer, HubMessage::invocation(hubcontract::kMessageReceived.name, {m.toJson()}));
        }
    }
    QList<HubMessage> calls(const QString &target) const
    {
        QList<HubMessage> out;
        for (const HubMessage &m : std::as_const(m_server.received)) {
            if (m.type == HubMessageType::Invocation && m.target == target)
                out.append(m);
        }
        return out;
    }

    QHash<QString, QList<ChatMessage>> history;
    QHash<QString, QString> refuse; // method -> error to answer with
    bool holdHistory = false; // keep History calls unanswered in `heldHistory`
    QList<std::pair<QPointer<QWebSocket>, HubMessage>> heldHistory;

    void answerHistory(QWebSocket *socket, const HubMessage &call)
    {
        const QString room = call.arguments.at(0).toString();
        const QString after = call.arguments.at(1).toString();
        const int limit = call.arguments.at(2).toInt();
        const QList<ChatMessage> &all = history[room];
        qsizetype start = 0;
        for (qsizetype i = 0; i < all.size(); ++i) {
            if (all[i].id == after)
                start = i + 1;
        }
        QJsonArray page;
        for (qsizetype i = start; i < all.size() && page.size() < limit; ++i)
            page.append(all[i].toJson());
        socket->sendTextMessage(QString::fromUtf8(
            hubprotocol::writeMessage(HubMessage::completionResult(call.invocationId, page))));
    }

private:
    void handle(FakeHubServer::Peer &peer, const HubMessage &call)
    {
        if (call.type != HubMessageType::Invocation)
            return;
        QWebSocket *socket = peer.socket.data();
        auto answer = [&](const HubMessage &reply) { m_server.sendTo(peer, reply); };
        if (refuse.contains(call.target))
            return answer(
                HubMessage::completionError(call.invocationId, refuse.value(call.target)));
        QSet<QString> &rooms = m_rooms[socket];
        rooms.insert(QStringLiteral("lobby"));
        if (call.target == hubcontract::kSend.name
            || call.target == hubcontract::kSendToRoom.name) {
            const bool lobby = call.target == hubcontract::kSend.name;
            const QString room = lobby ? QStringLiteral("lobby") : call.arguments.at(0).toString();
            const ChatMessage m = publish(room, call.arguments.at(lobby ? 0 : 1).toString());
            return answer(HubMessage::completionResult(call.invocationId, m.id));
        }
        if (call.target == hubcontract::kJoinRoom.name)
            rooms.insert(call.arguments.at(0).toString());
        else if (call.target == hubcontract::kLeaveRoom.name)
            rooms.remove(call.arguments.at(0).toString());
        else if (call.target == hubcontract::kHistory.name) {
            if (holdHistory)
                heldHistory.append({peer.socket, call});
            else
                answerHistory(socket, call);
            return;
        }
        answer(HubMessage::completion(call.invocationId));
    }

    FakeHubServer &m_server;
    QHash<QWebSocket *, QSet<QString>> m_rooms;
    int m_sequence = 0;
};

ChatClientOptions fastOptions()
{
    ChatClientOptions options;
    options.hub.skipNegotiation = true;
    options.hub.reconnect.firstDelayMs = 50;
    options.hub.reconnect.maxDelayMs = 100;
    options.hub.reconnect.jitter = 0;
    return options;
}

QStringList texts(const QSignalSpy &spy)
{
    QStringList out;
    for (const QList<QVariant> &args : spy)
        out.append(args.at(0).value<ChatMessage>().text);
    return out;
}

} // namespace

class tst_ChatClient : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { qRegisterMetaType<ChatMessage>(); }
    void sendAndReceive_data();
    void sendAndReceive();
    void sendRejectedLocally_data();
    void sendRejectedLocally();
    void sendWhileDisconnectedFails();
    void liveDuplicateIsSuppressed();
    void reconnectReappliesAndCatchesUp();
    void historyPagesUntilShort();
    void liveDuringCatchUpIsMergedOnce();
    void historyResetRefetches();
    void historyErrorFallsBackToRecent();
    void deliveryWarningIsForwarded();
    void malformedMessageIsReported();
    void joinRefusedIsForgotten();
    void roomsRememberedBeforeConnect();
    void leaveLobbyIsRefused();
    void historyOnJoin();
    void refusedNameIsReverted();
    void nameLostWithConnectionIsKept();
    void failsOverToAnotherNode();
};

void tst_ChatClient::sendAndReceive_data()
{
    QTest::addColumn<QString>("room");
    QTest::addColumn<QString>("method");
    QTest::addRow("lobby uses Send") << "lobby" << QString(hubcontract::kSend.name);
    QTest::addRow("other room uses SendToRoom") << "dev" << QString(hubcontract::kSendToRoom.name);
}

void tst_ChatClient::sendAndReceive()
{
    QFETCH(QString, room);
    QFETCH(QString, method);
    FakeHubServer server;
    QVERIFY(server.listen());
    FakeChat chat(server);
    ChatClient client(server.baseUrl(), fastOptions());
    QCOMPARE(client.connection().hubUrl(), server.hubUrl());
    QSignalSpy received(&client, &ChatClient::messageReceived);
    client.joinRoom(room);
    client.start();
    QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), kWaitMs);
    QString id, error;
    int calls = 0;
    client.send(QStringLiteral("hello <b>world</b>"), room, [&](const Result<QString> &sent) {
        ++calls;
        id = sent ? sent.value() : QString();
        error = sent.error();
    });
    QTRY_COMPARE_WITH_TIMEOUT(calls, 1, kWaitMs);
    QVERIFY2(!id.isEmpty(), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), 1, kWaitMs);
    const ChatMessage message = received.first().at(0).value<ChatMessage>();
    QCOMPARE(message.id, id);
    QCOMPARE(message.text, QStringLiteral("hello <b>world</b>"));
    QCOMPARE(message.room, room);
    QCOMPARE(received.first().at(1).toBool(), false);
    QCOMPARE(chat.calls(method).size(), 1);
    QCOMPARE(client.lastSeenId(room), id);
    QCOMPARE(client.stats().sent, 1u);
    QCOMPARE(client.stats().received, 1u);
}

void tst_ChatClient::sendRejectedLocally_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("room");
    QTest::addColumn<QString>("errorPart");
    QTest::addRow("empty text") << ""
                                << "lobby"
                                << "must not be empty";
    QTest::addRow("blank text") << "   "
                                << "lobby"
                                << "must not be empty";
    QTest::addRow("text too long") << QString(5000, u'x') << "lobby"
                                   << "longer than 4000";
    QTest::addRow("empty room") << "hi"
                                << ""
                                << "room name must not be empty";
    QTest::addRow("room with control char") << "hi"
                                            << "a\nb"
                                            << "control characters";
}

void tst_ChatClient::sendRejectedLocally()
{
    QFETCH(QString, text);
    QFETCH(QString, room);
    QFETCH(QString, errorPart);
    FakeHubServer server;
    QVERIFY(server.listen());
    FakeChat chat(server);
    ChatClient client(server.baseUrl(), fastOptions());
    client.start();
    QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), kWaitMs);
    QString error;
    int calls = 0;
    client.send(text, room, [&](const Result<QString> &sent) {
        ++calls;
        QVERIFY(!sent.ok());
        error = sent.error();
    });
    QCOMPARE(calls, 0);
    QTRY_COMPARE_WITH_TIMEOUT(calls, 1, kWaitMs);
    QVERIFY2(error.contains(errorPart), qPrintable(error));
    QCOMPARE(client.stats().sendFailed, 1u);
    QTest::qWait(50);
    QCOMPARE(server.received.size(), 0);
}

void tst_ChatClient::sendWhileDisconnectedFails()
{
    ChatClient client(QUrl(QStringLiteral("http://127.0.0.1:1")), fastOptions());
    QString error;
    client.send(QStringLiteral("hi"), ChatClient::kLobby,
        [&](const Result<QString> &sent) { error = sent.error(); });
    QTRY_VERIFY_WITH_TIMEOUT(!error.isEmpty(), kWaitMs);
    QVERIFY2(error.contains(u"disconnected"), qPrintable(error));
}

void tst_ChatClient::liveDuplicateIsSuppressed()
{
    FakeHubServer server;
    QVERIFY(server.listen());
    FakeChat chat(server);
    ChatClient client(server.baseUrl(), fastOptions());
    QSignalSpy received(&client, &ChatClient::messageReceived);
    QSignalSpy duplicates(&client, &ChatClient::duplicateSuppressed);
    client.start();
    QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), kWaitMs);
    client.send(QStringLiteral("hi"));
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), 1, kWaitMs);
    const ChatMessage first = received.first().at(0).value<ChatMessage>();
    chat.broadcast(first); // the node sends it again
    chat.broadcast(first);
    QTRY_COMPARE_WITH_TIMEOUT(duplicates.size(), 2, kWaitMs);
    QCOMPARE(duplicates.first().at(0).value<ChatMessage>().id, first.id);
    QCOMPARE(received.size(), 1);
    QCOMPARE(client.stats().duplicatesSuppressed, 2u);
    QCOMPARE(client.stats().received, 1u);
}

void tst_ChatClient::reconnectReappliesAndCatchesUp()
{
    FakeHubServer server;
    QVERIFY(server.listen());
    FakeChat chat(server);
    ChatClient client(server.baseUrl(), fastOptions());
    QSignalSpy received(&client, &ChatClient::messageReceived);
    QSignalSpy caughtUp(&client, &ChatClient::caughtUp);
    client.setName(QStringLiteral("ann"));
    client.joinRoom(QStringLiteral("dev"));
    client.start();
    QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(chat.calls(hubcontract::kJoinRoom.name).size(), 1, kWaitMs);
    QCOMPARE(chat.calls(hubcontract::kSetName.name).size(), 1);
    QCOMPARE(chat.calls(hubcontract::kHistory.name).size(), 0); // no catch-up on the first connect

    const ChatMessage seenLobby = chat.publish(QStringLiteral("lobby"), QStringLiteral("one"));
    chat.publish(QStringLiteral("dev"), QStringLiteral("dev one"));
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), 2, kWaitMs);

    // Messages the client misses (stored, never broadcast to it), then the drop.
    chat.store(QStringLiteral("lobby"), QStringLiteral("two"));
    chat.store(QStringLiteral("dev"), QStringLiteral("dev two"));
    chat.store(QStringLiteral("lobby"), QStringLiteral("three"));
    server.abortAll();

    QTRY_COMPARE_WITH_TIMEOUT(caughtUp.size(), 2, kWaitMs);
    QCOMPARE(client.stats().reconnects, 1u);
    QCOMPARE(chat.calls(hubcontract::kSetName.name).size(), 2);
    QCOMPARE(chat.calls(hubcontract::kJoinRoom.name).size(), 2);
    const QList<HubMessage> history = chat.calls(hubcontract::kHistory.name);
    QCOMPARE(history.size(), 2);
    for (const HubMessage &call : history) {
        if (call.arguments.at(0).toString() == u"lobby")
            QCOMPARE(call.arguments.at(1).toString(), seenLobby.id);
        QCOMPARE(call.arguments.at(2).toInt(), 1000);
    }
    QCOMPARE(received.size(), 5);
    QStringList caught = texts(received).mid(2);
    caught.sort();
    QCOMPARE(caught, (QStringList {"dev two", "three", "two"}));
    for (int i = 2; i < 5; ++i)
        QCOMPARE(received.at(i).at(1).toBool(), true);
    QCOMPARE(client.stats().receivedFromHistory, 3u);
    QCOMPARE(client.lastSeenId(QStringLiteral("lobby")),
        chat.history[QStringLiteral("lobby")].last().id);
    QCOMPARE(client.stats().duplicatesSuppressed, 0u);
    QCOMPARE(client.stats().historyOverlap, 0u);
}

void tst_ChatClient::historyPagesUntilShort()
{
    FakeHubServer server;
    QVERIFY(server.listen());
    FakeChat chat(server);
    ChatClientOptions options = fastOptions();
    options.historyPageSize = 3;
    ChatClient client(server.baseUrl(), options);
    QSignalSpy received(&client, &ChatClient::messageReceived);
    QSignalSpy caughtUp(&client, &ChatClient::caughtUp);
    client.start();
    QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), kWaitMs);
    chat.publish(QStringLiteral("lobby"), QStringLiteral("m0"));
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), 1, kWaitMs);
    for (int i = 1; i <= 7; ++i)
        chat.store(QStringLiteral("lobby"), QStringLiteral("m%1").arg(i));
    server.abortAll();
    QTRY_COMPARE_WITH_TIMEOUT(caughtUp.size(), 1, kWaitMs);
    QCOMPARE(caughtUp.first().at(1).toInt(), 7);
    QCOMPARE(chat.calls(hubcontract::kHistory.name).size(), 3); // 3 + 3 + 1
    QCOMPARE(texts(received), (QStringList {"m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7"}));
}

void tst_ChatClient::liveDuringCatchUpIsMergedOnce()
{
    FakeHubServer server;
    QVERIFY(server.listen());
    FakeChat chat(server);
    ChatClient client(server.baseUrl(), fastOptions());
    QSignalSpy received(&client, &ChatClient::messageReceived);
    QSignalSpy duplicates(&client, &ChatClient::duplicateSuppressed);
    QSignalSpy caughtUp(&client, &ChatClient::caughtUp);
    client.start();
    QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), kWaitMs);
    const ChatMessage seen = chat.publish(QStringLiteral("lobby"), QStringLiteral("a"));
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), 1, kWaitMs);
    chat.store(QStringLiteral("lobby"), QStringLiteral("b"));
    chat.holdHistory = true;
    server.abortAll();
    QTRY_COMPARE_WITH_TIMEOUT(chat.heldHistory.size(), 1, kWaitMs);
    // A live message overtakes the History answer...
    chat.publish(QStringLiteral("lobby"), QStringLiteral("c"));
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), 2, kWaitMs);
    QCOMPARE(client.lastSeenId(QStringLiteral("lobby")),
        seen.id); // ...but does not move the cursor past "b"
    // ...and History then returns b and c.
    chat.answerHistory(chat.heldHistory.first().first, chat.heldHistory.first().second);
    QTRY_COMPARE_WITH_TIMEOUT(caughtUp.size(), 1, kWaitMs);
    QCOMPARE(texts(received), (QStringList {"a", "c", "b"}));
    QCOMPARE(received.at(2).at(1).toBool(), true);
    QCOMPARE(duplicates.size(), 0);
    QCOMPARE(client.stats().historyOverlap, 1u);
    QCOMPARE(client.lastSeenId(QStringLiteral("lobby")),
        chat.history[QStringLiteral("lobby")].last().id);
    // The same message live again after History had it is not a server duplicate either.
    chat.holdHistory = false;
    chat.broadcast(chat.history[QStringLiteral("lobby")].at(1));
    QTest::qWait(100);
    QCOMPARE(duplicates.size(), 0);
    QCOMPARE(received.size(), 3);
}

void tst_ChatClient::historyResetRefetches()
{
    FakeHubServer server;
    QVERIFY(server.listen());
    FakeChat chat(server);
    ChatClient client(server.baseUrl(), fastOptions());
    QSignalSpy received(&client, &ChatClient::messageReceived);
    QSignalSpy resets(&client, &ChatClient::historyReset);
    QSignalSpy caughtUp(&client, &ChatClient::caughtUp);
    client.start();
    QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), kWaitMs);
    chat.publish(QStringLiteral("lobby"), QStringLiteral("old"));
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), 1, kWaitMs);
    // The node's history restarted (e.g. a new stream): ids before are gone.
    chat.history.clear();
    chat.store(QStringLiteral("lobby"), QStringLiteral("new one"));
    server.sendMessage(
        HubMessage::invocation(hubcontract::kHistoryReset.name, {QStringLiteral("lobby")}));
    QTRY_COMPARE_WITH_TIMEOUT(resets.size(), 1, kWaitMs);
    QCOMPARE(resets.first().at(0).toString(), QStringLiteral("lobby"));
    QTRY_COMPARE_WITH_TIMEOUT(caughtUp.size(), 1, kWaitMs);
    const QList<HubMessage> history = chat.calls(hubcontract::kHistory.name);
    QCOMPARE(history.size(), 1);
    QVERIFY(history.first().arguments.at(1).isNull());
    QCOMPARE(texts(received), (QStringList {"old", "new one"}));
    QCOMPARE(client.lastSeenId(QStringLiteral("lobby")),
        chat.history[QStringLiteral("lobby")].last().id);
}

void tst_ChatClient::historyErrorFallsBackToRecent()
{
    FakeHubServer server;
    QVERIFY(server.listen());
    FakeChat chat(server);
    ChatClient client(server.baseUrl(), fastOptions());
    QSignalSpy received(&client, &ChatClient::messageReceived);
    QSignalSpy caughtUp(&client, &ChatClient::caughtUp);
    QSignalSpy errors(&client, &ChatClient::errorOccurred);
    client.start();
    QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), kWaitMs);
    chat.publish(QStringLiteral("lobby"), QStringLiteral("a"));
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), 1, kWaitMs);
    chat.store(QStringLiteral("lobby"), QStringLiteral("b"));
    // A node that refuses an id it does not know, once.
    int refusals = 0;
    auto previous = server.onMessage;
    server.onMessage = [&](FakeHubServer::Peer &peer, const HubMessage &m) {
        if (m.target == hubcontract::kHistory.name && !m.arguments.at(1).isNull()
            && refusals++ == 0)
            return server.sendTo(
                peer, HubMessage::completionError(m.invocationId, QStringLiteral("unknown id")));
        previous(peer, m);
    };
    server.abortAll();
    QTRY_COMPARE_WITH_TIMEOUT(caughtUp.size(), 1, kWaitMs);
    QCOMPARE(texts(received), (QStringList {"a", "b"}));
    QCOMPARE(client.stats().historyOverlap, 1u);
    QCOMPARE(errors.size(), 0);
    // When the fallback fails too, that is reported, once.
    chat.refuse.insert(hubcontract::kHistory.name, QStringLiteral("history is off"));
    const qsizetype historyCalls = chat.calls(hubcontract::kHistory.name).size();
    server.abortAll();
    QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 1, kWaitMs);
    QCOMPARE(chat.calls(hubcontract::kHistory.name).size(),
        historyCalls + 2); // with the cursor, then without
    QTest::qWait(100);
    QCOMPARE(errors.size(), 1);
    QVERIFY2(errors.last().at(0).toString().contains(u"history is off"),
        qPrintable(errors.last().at(0).toString()));
}

void tst_ChatClient::deliveryWarningIsForwarded()
{
    FakeHubServer server;
    QVERIFY(server.listen());
    FakeChat chat(server);
    ChatClient client(server.baseUrl(), fastOptions());
    QSignalSpy warnings(&client, &ChatClient::deliveryWarning);
    client.start();
    QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), kWaitMs);
    server.sendMessage(HubMessage::invocation(QStringLiteral("DeliveryWarning"),
        {QStringLiteral("m-7"), QStringLiteral("Redis is down")}));
    QTRY_COMPARE_WITH_TIMEOUT(warnings.size(), 1, kWaitMs);
    QCOMPARE(warnings.first().at(0).toString(), QStringLiteral("m-7"));
    QCOMPARE(warnings.first().at(1).toString(), QStringLiteral("Redis is down"));
}

void tst_ChatClient::malformedMessageIsReported()
{
    FakeHubServer server;
    QVERIFY(server.listen());
    FakeChat chat(server);
    ChatClient client(server.baseUrl(), fastOptions());
    QSignalSpy received(&client, &ChatClient::messageReceived);
    QSignalSpy errors(&client, &ChatClient::errorOccurred);
    client.start();
    QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), kWaitMs);
    server.sendMessage(
        HubMessage::invocation(hubcontract::kMessageReceived.name, {QJsonObject {{"id", 5}}}));
    server.sendMessage(HubMessage::invocation(hubcontract::kMessageReceived.name, {}));
    QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 2, kWaitMs);
    QVERIFY(errors.first().at(0).toString().contains(u"malformed message"));
    QCOMPARE(received.size(), 0);
    QVERIFY(client.isConnected());
}

void tst_ChatClient::joinRefusedIsForgotten()
{
    FakeHubServer server;
    QVERIFY(server.listen());
    FakeChat chat(server);
    chat.refuse.insert(hubcontract::kJoinRoom.name, QStringLiteral("too many rooms"));
    ChatClient client(server.baseUrl(), fastOptions());
    client.start();
    QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), kWaitMs);
    QString error = QStringLiteral("unset");
    client.joinRoom(QStringLiteral("dev"), keepError(error));
    QCOMPARE(client.rooms(), (QStringList {"dev", "lobby"})); // intent, until the node answers
    QTRY_COMPARE_WITH_TIMEOUT(error, QStringLiteral("too many rooms"), kWaitMs);
    QCOMPARE(client.rooms(), QStringList {"lobby"});
}

void tst_ChatClient::roomsRememberedBeforeConnect()
{
    FakeHubServer server;
    QVERIFY(server.listen());
    FakeChat chat(server);
    ChatClient client(server.baseUrl(), fastOptions());
    QString error = QStringLiteral("unset");
    client.joinRoom(QStringLiteral("b-room"), keepError(error));
    client.joinRoom(QStringLiteral("a-room"));
    client.leaveRoom(QStringLiteral("b-room"));
    QTRY_COMPARE_WITH_TIMEOUT(error, QString(), kWaitMs);
    QCOMPARE(client.rooms(), (QStringList {"a-room", "lobby"}));
    client.start();
    QTRY_COMPARE_WITH_TIMEOUT(chat.calls(hubcontract::kJoinRoom.name).size(), 1, kWaitMs);
    QCOMPARE(chat.calls(hubcontract::kJoinRoom.name).first().arguments,
        QJsonArray {QStringLiteral("a-room")});
    QCOMPARE(chat.calls(hubcontract::kLeaveRoom.name).size(), 0);
}

void tst_ChatClient::leaveLobbyIsRefused()
{
    ChatClient client(QUrl(QStringLiteral("http://127.0.0.1:1")), fastOptions());
    QString error;
    client.leaveRoom(ChatClient::kLobby, keepError(error));
    QTRY_COMPARE_WITH_TIMEOUT(error, QStringLiteral("every connection stays in lobby"), kWaitMs);
}

void tst_ChatClient::historyOnJoin()
{
    FakeHubServer server;
    QVERIFY(server.listen());
    FakeChat chat(server);
    chat.store(QStringLiteral("lobby"), QStringLiteral("before"));
    chat.store(QStringLiteral("dev"), QStringLiteral("dev before"));
    ChatClientOptions options = fastOptions();
    options.historyOnJoin = true;
    ChatClient client(server.baseUrl(), options);
    QSignalSpy received(&client, &ChatClient::messageReceived);
    client.start();
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), 1, kWaitMs);
    QCOMPARE(texts(received), QStringList {"before"});
    QCOMPARE(received.first().at(1).toBool(), true);
    client.joinRoom(QStringLiteral("dev"));
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), 2, kWaitMs);
    QCOMPARE(texts(received).last(), QStringLiteral("dev before"));
}

void tst_ChatClient::refusedNameIsReverted()
{
    FakeHubServer server;
    QVERIFY(server.listen());
    FakeChat chat(server);
    ChatClient client(server.baseUrl(), fastOptions());
    client.start();
    QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), kWaitMs);
    QString error = QStringLiteral("unset");
    client.setName(QStringLiteral("ann"), keepError(error));
    QTRY_COMPARE_WITH_TIMEOUT(error, QString(), kWaitMs);
    chat.refuse.insert(hubcontract::kSetName.name, QStringLiteral("name taken"));
    client.setName(QStringLiteral("bob"), keepError(error));
    QCOMPARE(client.name(), QStringLiteral("bob"));
    QTRY_COMPARE_WITH_TIMEOUT(error, QStringLiteral("name taken"), kWaitMs);
    QCOMPARE(client.name(), QStringLiteral("ann"));
    client.setName(QStringLiteral(" spaced"), keepError(error));
    QTRY_VERIFY_WITH_TIMEOUT(error.contains(u"spaces"), kWaitMs);
}

void tst_ChatClient::nameLostWithConnectionIsKept()
{
    FakeHubServer server;
    QVERIFY(server.listen());
    FakeChat chat(server);
    auto answer = server.onMessage;
    bool swallowSetName = true;
    server.onMessage = [&](FakeHubServer::Peer &peer, const HubMessage &m) {
        if (!(swallowSetName && m.target == hubcontract::kSetName.name))
            answer(peer, m);
    };
    ChatClient client(server.baseUrl(), fastOptions());
    QSignalSpy reconnected(&client.connection(), &HubConnection::reconnected);
    client.start();
    QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), kWaitMs);
    QString error;
    client.setName(QStringLiteral("ann"), keepError(error));
    QTRY_COMPARE_WITH_TIMEOUT(chat.calls(hubcontract::kSetName.name).size(), 1, kWaitMs);
    swallowSetName = false;
    server.abortAll();
    QTRY_VERIFY_WITH_TIMEOUT(!error.isEmpty(), kWaitMs);
    QCOMPARE(client.name(), QStringLiteral("ann"));
    QTRY_COMPARE_WITH_TIMEOUT(reconnected.size(), 1, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(chat.calls(hubcontract::kSetName.name).size(), 2, kWaitMs);
    QCOMPARE(chat.calls(hubcontract::kSetName.name).last().arguments,
        QJsonArray {QStringLiteral("ann")});
}

void tst_ChatClient::failsOverToAnotherNode()
{
    // Two nodes of a farm sharing their history (a backplane): when the first
    // dies for good, the client moves to the second and catches up there.
    FakeHubServer first, second;
    QVERIFY(first.listen() && second.listen());
    FakeChat chatA(first), chatB(second);
    ChatClient client({first.baseUrl(), second.baseUrl()}, fastOptions());
    QSignalSpy received(&client, &ChatClient::messageReceived);
    QSignalSpy caughtUp(&client, &ChatClient::caughtUp);
    client.joinRoom(QStringLiteral("dev"));
    client.start();
    QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), kWaitMs);
    QCOMPARE(client.nodeUrl(), first.baseUrl());
    QCOMPARE(client.nodeUrls(), (QList<QUrl> {first.baseUrl(), second.baseUrl()}));
    const ChatMessage seen = chatA.publish(QStringLiteral("lobby"), QStringLiteral("one"));
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), 1, kWaitMs);

    // The farm's history as the second node knows it: what the client saw,
    // then what it missed while it moved over.
    ChatMessage missed = chatB.makeMessage(QStringLiteral("lobby"), QStringLiteral("missed"));
    missed.id = QStringLiteral("farm:2"); // ids are farm-wide, as stream ids are
    chatB.history[QStringLiteral("lobby")] = {seen, missed};
    first.stopListening();
    first.abortAll();
    QTRY_VERIFY_WITH_TIMEOUT(client.isConnected() && client.nodeUrl() == second.baseUrl(), kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(caughtUp.size() >= 2, kWaitMs); // lobby and dev
    QCOMPARE(client.stats().reconnects, 1u);
    QCOMPARE(chatB.calls(hubcontract::kJoinRoom.name).size(), 1); // rooms re-applied there
    bool askedFromLastSeen = false;
    for (const HubMessage &call : chatB.calls(hubcontract::kHistory.name)) {
        if (call.arguments.at(0).toString() == u"lobby")
            askedFromLastSeen = call.arguments.at(1).toString() == seen.id;
    }
    QVERIFY(askedFromLastSeen);
    QCOMPARE(texts(received), (QStringList {"one", "missed"}));
    QCOMPARE(client.stats().historyOverlap, 0u);
}

QTEST_GUILESS_MAIN(tst_ChatClient)
#include "tst_chatclient.moc"
