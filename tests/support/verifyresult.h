#pragma once

#include <QTest>

// Fails the test with the error of `expression`, a Result (core/result.h)
// whose error is a QString, unless it is ok. For calls whose result is not
// needed further, such as starting a test server: FARMCHAT_VERIFY_OK(redis.restart()).
#define FARMCHAT_VERIFY_OK(expression)                                                             \
    do {                                                                                           \
        const auto farmchatOutcome = (expression);                                                 \
        QVERIFY2(farmchatOutcome.ok(), qPrintable(farmchatOutcome.error()));                       \
    } while (false)
