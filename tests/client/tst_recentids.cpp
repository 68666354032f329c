#include "client/recentids_p.h"

#include <QTest>

using namespace farmchat;

class tst_RecentIds : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void seenStates();
    void boundedOldestFirst();
};

void tst_RecentIds::seenStates()
{
    RecentIds ids(10);
    QCOMPARE(ids.seen(QStringLiteral("a")), RecentIds::Seen::No);
    ids.insert(QStringLiteral("a"), false);
    QCOMPARE(ids.seen(QStringLiteral("a")), RecentIds::Seen::ViaHistoryOnly);
    ids.insert(QStringLiteral("a"), true);
    QCOMPARE(ids.seen(QStringLiteral("a")), RecentIds::Seen::Live);
    ids.insert(QStringLiteral("a"), false); // never downgraded
    QCOMPARE(ids.seen(QStringLiteral("a")), RecentIds::Seen::Live);
    QCOMPARE(ids.size(), 1);
}

void tst_RecentIds::boundedOldestFirst()
{
    RecentIds ids(3);
    for (const char *id : {"1", "2", "3", "2", "4"})
        ids.insert(QString::fromLatin1(id), true);
    QCOMPARE(ids.size(), 3);
    QCOMPARE(ids.seen(QStringLiteral("1")), RecentIds::Seen::No);
    for (const char *id : {"2", "3", "4"})
        QCOMPARE(ids.seen(QString::fromLatin1(id)), RecentIds::Seen::Live);
    QCOMPARE(RecentIds(0).capacity(), 1);
}

QTEST_GUILESS_MAIN(tst_RecentIds)
#include "tst_recentids.moc"
