-- One row per Sakila customer: contact details, address and payment totals.
with payment_totals as (
    select
        customer_id,
        count(*) as payment_count,
        sum(amount) as total_paid,
        min(paid_at) as first_payment_at,
        max(paid_at) as last_payment_at
    from {{ref "stg_sakila_payments"}} as payments
    group by customer_id
)

select
    customers.customer_id,
    customers.email,
    customers.first_name,
    customers.last_name,
    addresses.phone,
    addresses.address_line1,
    addresses.address_line2,
    addresses.district,
    addresses.city,
    addresses.postal_code,
    addresses.country,
    customers.store_id,
    customers.is_active,
    customers.created_at,
    coalesce(payment_totals.payment_count, 0) as payment_count,
    coalesce(payment_totals.total_paid, 0) as total_paid,
    payment_totals.first_payment_at,
    payment_totals.last_payment_at
from {{ref "stg_sakila_customers"}} as customers
left join {{ref "stg_sakila_addresses"}} as addresses
    on addresses.address_id = customers.address_id
left join payment_totals
    on payment_totals.customer_id = customers.customer_id
