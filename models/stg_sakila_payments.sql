-- One row per Sakila rental payment.
select
    cast(payments.payment_id as integer) as payment_id,
    cast(payments.customer_id as integer) as customer_id,
    cast(payments.rental_id as integer) as rental_id,
    cast(payments.amount as decimal(8, 2)) as amount,
    cast(payments.payment_date as timestamp) as paid_at
from {{source "sakila" "payment"}} as payments
