#include "launcher/restartbackoff.h"

#include <QTest>

using namespace farmchat;

class tst_RestartBackoff : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void growsCapsAndGivesUp();
    void stableRunResets();
};

void tst_RestartBackoff::growsCapsAndGivesUp()
{
    RestartBackoff backoff;
    QList<int> delays;
    for (int i = 0; i < RestartBackoff::kMaxAttempts; ++i)
        delays << backoff.nextDelayMs(10);
    QCOMPARE(delays, (QList<int> {500, 1000, 2000, 4000, 8000, 10000, 10000, 10000}));
    QCOMPARE(backoff.nextDelayMs(10), -1); // a node that dies at once is not restarted forever
    QCOMPARE(backoff.nextDelayMs(10), -1);
}

void tst_RestartBackoff::stableRunResets()
{
    RestartBackoff backoff;
    backoff.nextDelayMs(10);
    backoff.nextDelayMs(10);
    QCOMPARE(backoff.attempts(), 2);
    QCOMPARE(backoff.nextDelayMs(RestartBackoff::kStableRunMs), RestartBackoff::kFirstDelayMs);
    QCOMPARE(backoff.attempts(), 1);
}

QTEST_GUILESS_MAIN(tst_RestartBackoff)
#include "tst_restartbackoff.moc"
