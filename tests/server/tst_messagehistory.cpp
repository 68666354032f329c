#include "server/messagehistory_p.h"

#include <QTest>

using namespace farmchat;

namespace {

ChatMessage message(const QString &room, int n)
{
    ChatMessage m;
    m.id = QStringLiteral("node:x:%1").arg(n);
    m.room = room;
    m.from = QStringLiteral("a");
    m.text = QString::number(n);
    m.node = QStringLiteral("node");
    m.sentAt = n;
    return m;
}

QStringList texts(const QList<ChatMessage> &messages)
{
    QStringList list;
    for (const ChatMessage &m : messages)
        list << m.text;
    return list;
}

} // namespace

class tst_MessageHistory : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void after_data();
    void after();
    void ringDropsOldest();
    void roomsAreSeparate();
    void roomCapSparesRoomsInUse();
    void clear();
};

void tst_MessageHistory::after_data()
{
    QTest::addColumn<QString>("afterId");
    QTest::addColumn<int>("limit");
    QTest::addColumn<QStringList>("expected");
    QTest::addRow("from start") << QString() << 100 << QStringList {"1", "2", "3", "4", "5"};
    QTest::addRow("first two") << QString() << 2 << QStringList {"1", "2"};
    QTest::addRow("after 2") << "node:x:2" << 100 << QStringList {"3", "4", "5"};
    QTest::addRow("after 2, one") << "node:x:2" << 1 << QStringList {"3"};
    QTest::addRow("after last") << "node:x:5" << 10 << QStringList {};
    QTest::addRow("unknown id: whole window")
        << "other:y:9" << 10 << QStringList {"1", "2", "3", "4", "5"};
    QTest::addRow("zero limit") << QString() << 0 << QStringList {};
}

void tst_MessageHistory::after()
{
    QFETCH(QString, afterId);
    QFETCH(int, limit);
    MessageHistory history(10);
    for (int i = 1; i <= 5; ++i)
        history.append(message(QStringLiteral("lobby"), i));
    QTEST(texts(history.after(QStringLiteral("lobby"), afterId, limit)), "expected");
}

void tst_MessageHistory::ringDropsOldest()
{
    MessageHistory history(3);
    for (int i = 1; i <= 7; ++i)
        history.append(message(QStringLiteral("r"), i));
    QCOMPARE(texts(history.after(QStringLiteral("r"), {}, 100)), (QStringList {"5", "6", "7"}));
    // An id that fell out of the window: the client gets the whole window and de-duplicates.
    QCOMPARE(texts(history.after(QStringLiteral("r"), QStringLiteral("node:x:2"), 100)),
        (QStringList {"5", "6", "7"}));
}

void tst_MessageHistory::roomsAreSeparate()
{
    MessageHistory history(10);
    history.append(message(QStringLiteral("a"), 1));
    history.append(message(QStringLiteral("b"), 2));
    QCOMPARE(texts(history.after(QStringLiteral("a"), {}, 10)), QStringList {"1"});
    QCOMPARE(texts(history.after(QStringLiteral("b"), {}, 10)), QStringList {"2"});
    QVERIFY(history.after(QStringLiteral("c"), {}, 10).isEmpty());
}

void tst_MessageHistory::roomCapSparesRoomsInUse()
{
    MessageHistory history(10, 3, [](const QString &room) { return room == u"busy"; });
    history.append(message(QStringLiteral("busy"), 1)); // oldest, but in use
    history.append(message(QStringLiteral("q1"), 2));
    history.append(message(QStringLiteral("q2"), 3));
    history.append(message(QStringLiteral("q3"), 4)); // evicts q1, the quietest unused room
    QCOMPARE(history.roomCount(), 3);
    QCOMPARE(texts(history.after(QStringLiteral("busy"), {}, 10)), QStringList {"1"});
    QVERIFY(history.after(QStringLiteral("q1"), {}, 10).isEmpty());
    QCOMPARE(texts(history.after(QStringLiteral("q3"), {}, 10)), QStringList {"4"});
}

void tst_MessageHistory::clear()
{
    MessageHistory history(10);
    history.append(message(QStringLiteral("a"), 1));
    history.clear(QStringLiteral("a"));
    QVERIFY(history.after(QStringLiteral("a"), {}, 10).isEmpty());
    QCOMPARE(history.roomCount(), 0);
}

QTEST_GUILESS_MAIN(tst_MessageHistory)
#include "tst_messagehistory.moc"
