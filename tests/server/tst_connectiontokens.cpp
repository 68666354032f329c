#include "server/connectiontokens.h"

#include <QSet>
#include <QTest>

using namespace farmchat;

class tst_ConnectionTokens : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void versionOneTokenIsSeparate();
    void versionZeroUsesConnectionId();
    void singleUse();
    void expires();
    void unknown();
    void boundedOutstanding();
    void idsAreRandom();
};

void tst_ConnectionTokens::versionOneTokenIsSeparate()
{
    ConnectionTokens tokens;
    const auto issued = tokens.issue(1);
    QVERIFY(!issued.connectionId.isEmpty());
    QVERIFY(issued.connectionToken != issued.connectionId);
    QCOMPARE(tokens.redeem(issued.connectionId), QString()); // the id is not the token
    QCOMPARE(tokens.redeem(issued.connectionToken), issued.connectionId);
}

void tst_ConnectionTokens::versionZeroUsesConnectionId()
{
    ConnectionTokens tokens;
    const auto issued = tokens.issue(0);
    QCOMPARE(issued.connectionToken, issued.connectionId);
    QCOMPARE(tokens.redeem(issued.connectionId), issued.connectionId);
}

void tst_ConnectionTokens::singleUse()
{
    ConnectionTokens tokens;
    const auto issued = tokens.issue(1);
    QCOMPARE(tokens.redeem(issued.connectionToken), issued.connectionId);
    QCOMPARE(tokens.redeem(issued.connectionToken), QString());
    QCOMPARE(tokens.outstanding(), 0);
}

void tst_ConnectionTokens::expires()
{
    qint64 now = 1000;
    ConnectionTokens tokens(30000, 100, [&now] { return now; });
    const auto early = tokens.issue(1);
    const auto late = tokens.issue(1);
    now += 30000;
    QCOMPARE(tokens.redeem(early.connectionToken),
        early.connectionId); // exactly at the limit: still fine
    now += 1;
    QCOMPARE(tokens.redeem(late.connectionToken), QString());
    // Issuing sweeps expired entries.
    tokens.issue(1);
    now += 40000;
    tokens.issue(1);
    QCOMPARE(tokens.outstanding(), 1);
}

void tst_ConnectionTokens::unknown()
{
    ConnectionTokens tokens;
    QCOMPARE(tokens.redeem(QStringLiteral("made-up")), QString());
    QCOMPARE(tokens.redeem(QString()), QString());
}

void tst_ConnectionTokens::boundedOutstanding()
{
    qint64 now = 0;
    ConnectionTokens tokens(30000, 3, [&now] { return now; });
    QList<ConnectionTokens::Issued> issued;
    for (int i = 0; i < 5; ++i) {
        ++now;
        issued.append(tokens.issue(1));
    }
    QCOMPARE(tokens.outstanding(), 3);
    // The oldest promises gave way.
    QCOMPARE(tokens.redeem(issued[0].connectionToken), QString());
    QCOMPARE(tokens.redeem(issued[1].connectionToken), QString());
    QCOMPARE(tokens.redeem(issued[4].connectionToken), issued[4].connectionId);
}

void tst_ConnectionTokens::idsAreRandom()
{
    QSet<QString> seen;
    for (int i = 0; i < 1000; ++i) {
        const QString id = ConnectionTokens::randomId();
        QCOMPARE(id.size(), 22); // 16 bytes, base64url without padding
        QVERIFY(!id.contains(u'/') && !id.contains(u'+') && !id.contains(u'='));
        seen.insert(id);
    }
    QCOMPARE(seen.size(), 1000);
}

QTEST_GUILESS_MAIN(tst_ConnectionTokens)
#include "tst_connectiontokens.moc"
