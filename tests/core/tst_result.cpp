// Result: a value or a readable error, for every fallible call.
#include "core/result.h"

#include <QTest>

#include <memory>

using namespace farmchat;

class tst_Result : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void value();
    void failure();
    void moveOnlyValue();
    void voidResult();
};

void tst_Result::value()
{
    const Result<int> r = 42;
    QVERIFY(r.ok());
    QVERIFY(bool(r));
    QCOMPARE(r.value(), 42);
    QVERIFY(r.error().isEmpty());

    Result<QString> text = QStringLiteral("farm");
    QCOMPARE(text->size(), 4);
    text.value() += u's';
    QCOMPARE(text.value(), QStringLiteral("farms"));
}

void tst_Result::failure()
{
    const auto r = Result<int>::failure(QStringLiteral("--nodes must be a whole number"));
    QVERIFY(!r.ok());
    QVERIFY(!r);
    QCOMPARE(r.error(), QStringLiteral("--nodes must be a whole number"));
    // Even a failure without words is a failure.
    QVERIFY(!Result<QString>::failure({}));
}

void tst_Result::moveOnlyValue()
{
    Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
    const std::unique_ptr<int> taken = std::move(r).value();
    QCOMPARE(*taken, 7);
}

void tst_Result::voidResult()
{
    const Result<void> fine;
    QVERIFY(fine.ok());
    QVERIFY(fine.error().isEmpty());
    const auto refused = Result<void>::failure(QStringLiteral("port 9090 is in use"));
    QVERIFY(!refused);
    QCOMPARE(refused.error(), QStringLiteral("port 9090 is in use"));
    QVERIFY(!Result<void>::failure({}).ok());
}

QTEST_GUILESS_MAIN(tst_Result)
#include "tst_result.moc"
